using Lepton.Agent.Execution;

namespace Lepton.Agent.Tests.Execution;

public sealed class TaskUserTests
{
    [Theory]
    [InlineData("nobody", 65534, 65534)]
    [InlineData("1234", 1234, 1234)]
    [InlineData("1234:5678", 1234, 5678)]
    public void Resolve_KnownUserOrIds_GivesUidAndGid(string name, int uid, int gid)
    {
        var user = TaskUser.Resolve(name);

        Assert.Equal((uid, gid), (user.Uid, user.Gid));
    }

    [Theory]
    [InlineData("root", "is root")]
    [InlineData("0", "is root")]
    [InlineData("1000:0", "is root")]
    [InlineData("no-such-user-here", "no user 'no-such-user-here'")]
    public void Resolve_RootOrUnknown_ThrowsNamingIt(string name, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => TaskUser.Resolve(name));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
