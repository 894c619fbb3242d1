namespace Lepton.Cli.Tests;

/// <summary>Runs the topology-aware commands on examples/topology as a user would.</summary>
public sealed class TopologyCommandTests
{
    private const string Example = "examples/topology";

    [Fact]
    public void Place_TopologyExample_SaysWhatEachTaskKept()
    {
        var run = LeptonProcess.Run("place", "--nodes", $"{Example}/nodes.yaml", "--tasks", $"{Example}/tasks.yaml", "--network", $"{Example}/network.yaml");

        Assert.Equal(0, run.ExitCode);
        var text = Flatten(run.Stdout);
        Assert.Contains("required rack kept", text, StringComparison.Ordinal);
        Assert.Contains("transfer estimate 2.9 min", text, StringComparison.Ordinal);
        Assert.Contains("on edge node edge-1", text, StringComparison.Ordinal);
        Assert.Contains("Placed 6 of 6 tasks", text, StringComparison.Ordinal);
    }

    [Fact]
    public void SimulateJobs_TopologyExample_PrintsTopologyMetrics()
    {
        var run = LeptonProcess.Run("simulate", "jobs", "--cluster", $"{Example}/nodes.yaml", "--jobs", $"{Example}/jobs.yaml");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("cross-rack gang traffic", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("latency-budget misses", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void SimulateTopology_SmallCluster_ComparesAwareWithBlind()
    {
        var run = LeptonProcess.Run("simulate", "topology", "--nodes", "60", "--zones", "2", "--racks", "4", "--jobs", "40", "--rate", "10", "--policy", "spread");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("generated 60 nodes (2 zones, 4 racks", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("topology-aware", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("blind", run.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--racks", "0")]
    [InlineData("--edge", "1.5")]
    public void SimulateTopology_BadArgument_ExitTwo(string option, string value)
    {
        var run = LeptonProcess.Run("simulate", "topology", option, value);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--racks", run.Stderr + run.Stdout, StringComparison.Ordinal);
    }

    /// <summary>The table wraps long cells at the terminal's width; joined lines still hold every phrase.</summary>
    private static string Flatten(string table) =>
        string.Join(" ", table.Split('\n').Select(l => l.Replace("│", " ", StringComparison.Ordinal).Trim()))
            .Replace("  ", " ", StringComparison.Ordinal);
}
