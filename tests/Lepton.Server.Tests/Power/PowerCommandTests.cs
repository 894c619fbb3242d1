using Lepton.Server.Power;

namespace Lepton.Server.Tests.Power;

public sealed class PowerCommandTests
{
    [Fact]
    public async Task RunAsync_AdminArgumentsThenNodeName_EachOneArgvElement()
    {
        using var script = new PowerScript();
        var command = new PowerCommand($"{script.Path} --action \"power off\"");

        Assert.Null(await command.RunAsync("gpu-7.rack_2", TimeSpan.FromSeconds(30), CancellationToken.None));

        Assert.Equal(["--action|power off|gpu-7.rack_2|"], script.Runs);
    }

    [Theory]
    [InlineData("-rf")]
    [InlineData("a;reboot")]
    [InlineData("$(reboot)")]
    [InlineData("a b")]
    [InlineData("")]
    public async Task RunAsync_NameThatIsNotANodeName_RefusedWithoutRunning(string node)
    {
        using var script = new PowerScript();
        var command = new PowerCommand(script.Path);

        var failure = await command.RunAsync(node, TimeSpan.FromSeconds(30), CancellationToken.None);

        Assert.Contains("not a valid node name", failure, StringComparison.Ordinal);
        Assert.Empty(script.Runs);
    }

    [Fact]
    public async Task RunAsync_CommandFailsOrIsMissing_SaysWhy()
    {
        using var script = new PowerScript(exitCode: 3);

        Assert.Contains("exited with 3", await new PowerCommand(script.Path).RunAsync("n1", TimeSpan.FromSeconds(30), CancellationToken.None), StringComparison.Ordinal);
        Assert.Contains("could not be started", await new PowerCommand("/nonexistent/power").RunAsync("n1", TimeSpan.FromSeconds(30), CancellationToken.None), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("ipmi \"unclosed")]
    public void New_EmptyOrUnclosedQuote_Throws(string line)
    {
        Assert.Throws<ArgumentException>(() => new PowerCommand(line));
    }
}
