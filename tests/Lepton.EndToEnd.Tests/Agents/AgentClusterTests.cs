using System.Diagnostics;
using System.Globalization;
using Lepton.Client.Contracts;

namespace Lepton.EndToEnd.Tests.Agents;

/// <summary>Server plus three real agent processes on loopback: jobs run, fail, survive a lost agent, get cancelled and drained.</summary>
public sealed class AgentClusterTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Shape = "cpu=2,memory=2Gi";
    private LocalCluster _cluster = null!;

    public async ValueTask InitializeAsync() => _cluster = await LocalCluster.StartAsync(Shape, Shape, Shape);

    public async ValueTask DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task GangJob_TwoReplicas_BothRunLogsReadableSucceeded()
    {
        // Each replica needs more than half a node, so the gang spans two agents.
        var id = await _cluster.SubmitAsync(Job("echo \"hello from replica $LEPTON_REPLICA of $LEPTON_REPLICAS peers=$LEPTON_PEERS\"; sleep 1") with
        {
            Replicas = 2,
            Resources = new JobResources { CpuMilli = 1500, MemoryMiB = 256 },
        });

        var job = await _cluster.WaitForJobAsync(id, j => j.State is JobState.Succeeded or JobState.Failed, "the gang finishes");

        Assert.Equal(JobState.Succeeded, job.State);
        Assert.Equal(0, job.ExitCode);
        Assert.All(job.Tasks, t => Assert.Equal(TaskState.Succeeded, t.State));
        Assert.Equal(2, job.Tasks.Select(t => t.Node).Distinct().Count());
        Assert.Contains(job.Events, e => e.Type == "Started");
        var logs = await _cluster.LogsAsync(id);
        Assert.Contains("[replica 0] hello from replica 0 of 2 peers=127.0.0.1,127.0.0.1", logs, StringComparison.Ordinal);
        Assert.Contains("[replica 1] hello from replica 1 of 2 peers=127.0.0.1,127.0.0.1", logs, StringComparison.Ordinal);
        Assert.Equal("hello from replica 1 of 2 peers=127.0.0.1,127.0.0.1\n", await _cluster.LogsAsync(id, "?replica=1"));
    }

    [Fact]
    public async Task JobExits3_FailedWithExitCode3AfterRetries()
    {
        var id = await _cluster.SubmitAsync(Job("echo attempt $LEPTON_ATTEMPT; exit 3") with { MaxRetries = 2 });

        var job = await _cluster.WaitForJobAsync(id, j => j.State is JobState.Succeeded or JobState.Failed, "the job fails for good");

        Assert.Equal(JobState.Failed, job.State);
        Assert.Equal(3, job.ExitCode);
        Assert.Equal(2, job.Retries);
        Assert.Equal(2, job.Events.Count(e => e.Type == "Retrying"));
        Assert.Contains("exit", job.Reason!.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("attempt 0\nattempt 1\nattempt 2\n", await _cluster.LogsAsync(id));
    }

    [Fact]
    public async Task AgentKilled_TaskRequeuedOnAnotherAgentAndFinishes()
    {
        var id = await _cluster.SubmitAsync(Job("echo \"start $LEPTON_ATTEMPT\"; sleep 4; echo \"done $LEPTON_ATTEMPT\"") with { MaxRetries = 2 });
        var running = await _cluster.WaitForJobAsync(id, j => j.State == JobState.Running, "the job runs");
        var lost = running.Tasks[0].Node!;

        var clock = Stopwatch.StartNew();
        _cluster.KillAgent(lost);
        var requeued = await _cluster.WaitForJobAsync(id, j => j.Tasks[0].Attempt == 1 && j.Tasks[0].Node is { } n && n != lost, "the task is placed on another agent");
        var detected = clock.Elapsed;
        await _cluster.WaitForJobAsync(id, j => j.Tasks[0].State == TaskState.Running, "the new attempt starts");
        var restarted = clock.Elapsed;
        var job = await _cluster.WaitForJobAsync(id, j => j.State is JobState.Succeeded or JobState.Failed, "the job finishes");

        output.WriteLine($"heartbeat {LocalCluster.Heartbeat.TotalSeconds}s, timeout {LocalCluster.HeartbeatTimeout.TotalSeconds}s: lost agent detected and task re-placed after {detected.TotalSeconds:0.0}s, running again after {restarted.TotalSeconds:0.0}s");
        Assert.Equal(JobState.Succeeded, job.State);
        Assert.Equal(1, job.Retries);
        Assert.NotEqual(lost, requeued.Tasks[0].Node);
        Assert.Equal("Down", (await _cluster.NodesAsync()).Single(n => n.Name == lost).State);
        Assert.Contains("done 1", await _cluster.LogsAsync(id), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancel_RunningJob_KillsProcessTreeNoOrphan()
    {
        // The task runs in its own PID namespace: the pid it could print means nothing here, so its child carries a marker.
        var marker = Random.Shared.NextInt64(100_000_000, 999_999_999).ToString(CultureInfo.InvariantCulture);
        var id = await _cluster.SubmitAsync(Job($"sleep {marker} & echo started; wait"));
        await _cluster.WaitForJobAsync(id, j => j.State == JobState.Running, "the job runs");
        await _cluster.WaitAsync(() => Task.FromResult(LocalCluster.ProcessesWithArgument(marker).Count == 1), "the task's child runs");

        using var response = await _cluster.Tenant.PostAsync($"api/v1/jobs/{id}/cancel", null);
        response.EnsureSuccessStatusCode();

        await _cluster.WaitAsync(() => Task.FromResult(LocalCluster.ProcessesWithArgument(marker).Count == 0), "the grandchild is killed", 30);
        Assert.Equal(JobState.Cancelled, (await _cluster.JobAsync(id)).State);
    }

    [Fact]
    public async Task Drain_PreemptibleMovesAwayNonPreemptibleStays()
    {
        // Each attempt's process is found on the host by a marker that includes the attempt (tasks have their own PID namespaces).
        var marker = Random.Shared.NextInt64(100_000_000, 999_999_999).ToString(CultureInfo.InvariantCulture);
        var movable = await _cluster.SubmitAsync(Job($"echo \"attempt $LEPTON_ATTEMPT\"; exec sleep {marker}$LEPTON_ATTEMPT") with { Preemptible = true, Name = "movable" });
        var pinned = await _cluster.SubmitAsync(Job("exec sleep 1000") with { Name = "pinned" });
        var movableBefore = await _cluster.WaitForJobAsync(movable, j => j.State == JobState.Running, "the preemptible job runs");
        var pinnedBefore = await _cluster.WaitForJobAsync(pinned, j => j.State == JobState.Running, "the other job runs");
        string logs = "";
        await _cluster.WaitAsync(async () => (logs = await _cluster.LogsAsync(movable)).Contains("attempt 0", StringComparison.Ordinal), "the first attempt starts");
        await _cluster.WaitAsync(() => Task.FromResult(LocalCluster.ProcessesWithArgument(marker + "0").Count == 1), "the first attempt's process runs");
        var drained = new[] { movableBefore.Tasks[0].Node!, pinnedBefore.Tasks[0].Node! }.Distinct().ToList();

        foreach (var node in drained)
        {
            using var response = await _cluster.Admin.PostAsync($"api/v1/nodes/{node}/drain", null);
            response.EnsureSuccessStatusCode();
        }

        var moved = await _cluster.WaitForJobAsync(movable, j => j.State == JobState.Running && j.Tasks[0].Attempt > 0, "the preemptible job runs again elsewhere");
        Assert.DoesNotContain(moved.Tasks[0].Node, drained);
        await _cluster.WaitAsync(() => Task.FromResult(LocalCluster.ProcessesWithArgument(marker + "0").Count == 0), "the first attempt's process is killed", 30);
        var pinnedAfter = await _cluster.JobAsync(pinned);
        Assert.Equal(JobState.Running, pinnedAfter.State);
        Assert.Equal(pinnedBefore.Tasks[0].Node, pinnedAfter.Tasks[0].Node);
        Assert.Equal(0, pinnedAfter.Tasks[0].Attempt);
        Assert.All((await _cluster.NodesAsync()).Where(n => drained.Contains(n.Name)), n => Assert.Equal("Draining", n.State));
    }

    private static JobSubmission Job(string script) => new()
    {
        Name = "e2e",
        Resources = new JobResources { CpuMilli = 500, MemoryMiB = 128 },
        Command = ["/bin/sh", "-c", script],
    };
}
