using System.Globalization;
using Lepton.Client.Contracts;

namespace Lepton.EndToEnd.Tests.Agents;

/// <summary>Real agents report how they isolate tasks; a task's environment holds nothing of its agent's.</summary>
public sealed class AgentIsolationTests : IAsyncLifetime
{
    private const string Shape = "cpu=2,memory=2Gi";
    private LocalCluster _cluster = null!;

    public async ValueTask InitializeAsync() => _cluster = await LocalCluster.StartAsync(Shape);

    public async ValueTask DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task NodeList_AgentWithIsolationNone_ShowsNoneNextToIsolatedNode()
    {
        _cluster.StartAgent("unisolated", Shape, "--isolation", "none");

        await _cluster.WaitAsync(async () => (await _cluster.NodesAsync()).Count(n => n.State == "Ready") == 2, "the second agent registers");

        var nodes = (await _cluster.NodesAsync()).ToDictionary(n => n.Name, n => n.Isolation);
        Assert.Equal("namespaces", nodes["agent-0"]);
        Assert.Equal("none", nodes["unisolated"]);
    }

    [Fact]
    public async Task Job_PrintsEnvironment_OnlyItsOwnAndLeptonVariables()
    {
        var id = await _cluster.SubmitAsync(new JobSubmission
        {
            Name = "env",
            Resources = new JobResources { CpuMilli = 500, MemoryMiB = 128 },
            Command = ["/usr/bin/env"],
            Env = new Dictionary<string, string> { ["DATASET"] = "imagenet", ["LEPTON_REPLICA"] = "forged" },
        });
        await _cluster.WaitForJobAsync(id, j => j.State == JobState.Succeeded, "the job succeeds");

        var names = (await _cluster.LogsAsync(id)).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l[..l.IndexOf('=', StringComparison.Ordinal)]).ToHashSet(StringComparer.Ordinal);
        Assert.Subset(new HashSet<string>(["DATASET", "PATH", "HOME", "PWD", "CUDA_VISIBLE_DEVICES", "LEPTON_JOB_ID", "LEPTON_REPLICA", "LEPTON_REPLICAS", "LEPTON_ATTEMPT", "LEPTON_PEERS"]), names);
        var logs = await _cluster.LogsAsync(id);
        Assert.Contains("LEPTON_REPLICA=0\n", logs, StringComparison.Ordinal);
        Assert.Contains($"LEPTON_JOB_ID={id.ToString(CultureInfo.InvariantCulture)}\n", logs, StringComparison.Ordinal);
        Assert.DoesNotContain(_cluster.AgentToken, logs, StringComparison.Ordinal);
    }
}
