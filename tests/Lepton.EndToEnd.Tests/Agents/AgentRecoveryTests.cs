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
    public async Task AgentKilled_RunningTask_NoProcessOfItSurvives()
    {
        // Before tasks died with their agent, these two kept running while the server requeued the job elsewhere: two copies.
        var marker = Random.Shared.NextInt64(100_000_000, 999_999_999).ToString(CultureInfo.InvariantCulture);
        var id = await _cluster.SubmitAsync(new JobSubmission
        {
            Name = "orphan",
            Resources = new JobResources { CpuMilli = 500, MemoryMiB = 128 },
            Command = ["/bin/sh", "-c", $"sleep {marker} & setsid sleep {marker} & wait"],
        });
        var running = await _cluster.WaitForJobAsync(id, j => j.State == JobState.Running, "the job runs");
        await _cluster.WaitAsync(() => Task.FromResult(LocalCluster.ProcessesWithArgument(marker).Count == 2), "both of the task's children run");

        _cluster.KillAgent(running.Tasks[0].Node!);

        await _cluster.WaitAsync(() => Task.FromResult(LocalCluster.ProcessesWithArgument(marker).Count == 0), "every process of the task is gone", 15);
    }

    [Fact]
    public async Task AgentStoppedCleanly_RunningJob_HandedBackWithoutUsingARetry()
    {
        var id = await _cluster.SubmitAsync(new JobSubmission
        {
            Name = "long",
            Resources = new JobResources { CpuMilli = 500, MemoryMiB = 128 },
            Command = ["/bin/sh", "-c", "echo attempt $LEPTON_ATTEMPT; sleep 1000"],
            MaxRetries = 0,
        });
        var first = await _cluster.WaitForJobAsync(id, j => j.State == JobState.Running, "the job runs");
        var node = first.Tasks[0].Node!;

        _cluster.StopAgent(node);

        // With no retries allowed, a retry charged for the stop would have failed the job; instead it moves on.
        var moved = await _cluster.WaitForJobAsync(id, j => j.State == JobState.Running && j.Tasks[0].Node != node, "the job runs on the other node");
        Assert.Equal(0, moved.Retries);
        Assert.Equal(1, moved.Tasks[0].Attempt);
        Assert.Contains(moved.Events, e => e.Type == "Released");
        Assert.DoesNotContain(moved.Events, e => e.Type is "Retrying" or "Failed");
        Assert.Equal("Down", (await _cluster.NodesAsync()).Single(n => n.Name == node).State);
    }
}
