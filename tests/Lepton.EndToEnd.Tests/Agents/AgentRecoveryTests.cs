using System.Globalization;
using Lepton.Client.Contracts;

namespace Lepton.EndToEnd.Tests.Agents;

/// <summary>Restarts on either side: work keeps running through a server restart; a restarted agent cleans up after itself.</summary>
public sealed class AgentRecoveryTests : IAsyncLifetime
{
    private const string Shape = "cpu=2,memory=2Gi";
    private LocalCluster _cluster = null!;

    public async ValueTask InitializeAsync() => _cluster = await LocalCluster.StartAsync(Shape, Shape);

    public async ValueTask DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task ServerRestart_RunningJob_KeepsRunningAndFinishesWithoutDuplicates()
    {
        var id = await _cluster.SubmitAsync(new JobSubmission
        {
            Name = "survivor",
            Resources = new JobResources { CpuMilli = 500, MemoryMiB = 128 },
            Command = ["/bin/sh", "-c", "echo start; sleep 3; echo done"],
            MaxRetries = 2,
        });
        var before = await _cluster.WaitForJobAsync(id, j => j.State == JobState.Running, "the job runs");

        await _cluster.RestartServerAsync();

        var job = await _cluster.WaitForJobAsync(id, j => j.State is JobState.Succeeded or JobState.Failed, "the job finishes");
        Assert.Equal(JobState.Succeeded, job.State);
        Assert.Equal(0, job.Retries);
        Assert.Equal(before.Tasks[0].Node, job.Tasks[0].Node);
        Assert.Equal(0, job.Tasks[0].Attempt);
        Assert.Equal("start\ndone\n", await _cluster.LogsAsync(id));
        Assert.Single(job.Events, e => e.Type == "Started");
    }

    [Fact]
    public async Task AgentRestart_JobCancelledWhileAgentDead_LeftoverProcessKilled()
    {
        var id = await _cluster.SubmitAsync(new JobSubmission
        {
            Name = "orphan",
            Resources = new JobResources { CpuMilli = 500, MemoryMiB = 128 },
            Command = ["/bin/sh", "-c", "sleep 1000 & echo $!; wait"],
        });
        var running = await _cluster.WaitForJobAsync(id, j => j.State == JobState.Running, "the job runs");
        string logs = "";
        await _cluster.WaitAsync(async () => (logs = await _cluster.LogsAsync(id)).Length > 0, "the task prints its child's pid");
        var grandchild = int.Parse(logs.Trim(), CultureInfo.InvariantCulture);
        var node = running.Tasks[0].Node!;

        _cluster.KillAgent(node);
        // Tasks run in their own sessions: a SIGKILLed agent leaves them behind, as a crashed agent would.
        Assert.True(LocalCluster.IsAlive(grandchild));
        using (var response = await _cluster.Tenant.PostAsync($"api/v1/jobs/{id}/cancel", null))
        {
            response.EnsureSuccessStatusCode();
        }

        _cluster.RestartAgent(node);

        await _cluster.WaitAsync(() => Task.FromResult(!LocalCluster.IsAlive(grandchild)), "the restarted agent kills the leftover", 30);
        await _cluster.WaitAsync(async () => (await _cluster.NodesAsync()).All(n => n.State == "Ready"), "the agent is back");
    }
}
