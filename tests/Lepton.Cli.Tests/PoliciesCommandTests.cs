using Lepton.Core.Placement;

namespace Lepton.Cli.Tests;

public sealed class PoliciesCommandTests
{
    [Fact]
    public void Policies_ListsEveryRegisteredPolicyOneLineEach()
    {
        var run = LeptonProcess.Run("policies");

        Assert.Equal(0, run.ExitCode);
        var lines = run.Stdout.TrimEnd().Split('\n');
        Assert.Equal(PolicyRegistry.All.Count, lines.Length);
        for (var i = 0; i < lines.Length; i++)
        {
            Assert.StartsWith(PolicyRegistry.All[i].Name + " ", lines[i]);
            Assert.EndsWith(PolicyRegistry.All[i].Description, lines[i]);
        }
    }
}
