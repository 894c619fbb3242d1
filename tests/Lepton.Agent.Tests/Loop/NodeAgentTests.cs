using Lepton.Agent.Hardware;
using Lepton.Client.Contracts;

namespace Lepton.Agent.Tests.Loop;

public sealed class NodeAgentTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "lepton-agent-loop-" + Guid.NewGuid().ToString("N"));
    private readonly CancellationTokenSource _stop = new();
    private FakeControlPlane _server = null!;
    private NodeAgent _agent = null!;
    private Task _run = Task.CompletedTask;

    public ValueTask InitializeAsync()
    {
        _server = new FakeControlPlane();
        _agent = new NodeAgent(new AgentOptions
        {
            Server = _server.Url,
            Token = "test-token",
            Name = "node-a",
            WorkDirectory = _directory,
            Declared = DeclaredResources.Parse("cpu=4,memory=8Gi,gpus=2xA100"),
            DetectGpus = false,
            StopGrace = TimeSpan.FromSeconds(2),
            LogFlushInterval = TimeSpan.FromMilliseconds(100),
        }, _ => { });
        _run = _agent.RunAsync(_stop.Token);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _run.WaitAsync(TimeSpan.FromSeconds(30));
        _agent.Dispose();
        await _server.DisposeAsync();
        _stop.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task RunAsync_TaskExits3_ReportsStartedThenExitCodeAfterItsLogs()
    {
        _server.Assign(Assignment(7, "echo \"replica $LEPTON_REPLICA of $LEPTON_REPLICAS on GPUs $CUDA_VISIBLE_DEVICES\"; echo oops >&2; exit 3"));

        await _server.WaitUntilAsync(() => _server.Reports.Any(r => r.Report.Status == "Exited"), "the exit is reported");

        var reports = _server.Reports.Where(r => r.TaskId == 7).Select(r => r.Report).ToList();
        Assert.Equal(["Started", "Exited"], reports.Select(r => r.Status));
        Assert.Equal(3, reports[1].ExitCode);
        Assert.Contains("replica 1 of 2 on GPUs 1\n", _server.LogText(7), StringComparison.Ordinal);
        Assert.Contains(_server.Logs, l => l.Chunk is { Stream: "stderr", Text: "oops\n" });
    }

    [Fact]
    public async Task RunAsync_AssignmentRepeated_StartsOnlyOnce()
    {
        _server.Assign(Assignment(8, "echo once"));

        await _server.WaitUntilAsync(() => _server.Reports.Any(r => r.Report.Status == "Exited"), "the exit is reported");
        var heartbeats = _server.Heartbeats.Count;
        await _server.WaitUntilAsync(() => _server.Heartbeats.Count > heartbeats + 3, "more heartbeats pass");

        Assert.Single(_server.Reports, r => r.Report.Status == "Started");
        Assert.Equal("once\n", _server.LogText(8));
    }

    [Fact]
    public async Task RunAsync_ServerStopsAssigning_KillsProcessTreeWithoutExitReport()
    {
        // The task runs in its own PID namespace, so its child is found on the host by a marker, not by the pid it sees.
        var marker = Execution.HostProcesses.NewMarker();
        _server.Assign(Assignment(9, $"sleep {marker} & echo started; wait"));
        await _server.WaitUntilAsync(() => _server.LogText(9).Length > 0, "the task starts its child");
        await _server.WaitUntilAsync(() => Execution.HostProcesses.WithArgument(marker).Count == 1, "the child runs");

        _server.Unassign(9, 0);

        await _server.WaitUntilAsync(() => Execution.HostProcesses.WithArgument(marker).Count == 0, "the grandchild is gone");
        await _server.WaitUntilAsync(() => _agent.HeldAttempts.Count == 0, "the agent lets go of the attempt");
        Assert.DoesNotContain(_server.Reports, r => r.Report.Status == "Exited");
    }

    [Fact]
    public async Task RunAsync_Heartbeats_CarryLiveUsage()
    {
        await _server.WaitUntilAsync(() => _server.Heartbeats.Count >= 2, "two heartbeats arrive");

        var usage = _server.Heartbeats.Last().Usage;
        Assert.InRange(usage.CpuPercent, 0, 100);
        Assert.True(usage.MemoryUsedMiB > 0);
        Assert.Equal(1, _server.Registrations);
    }

    private static TaskAssignment Assignment(long taskId, string script) => new()
    {
        TaskId = taskId,
        Attempt = 0,
        JobId = 100 + taskId,
        Replica = 1,
        Replicas = 2,
        Command = ["/bin/sh", "-c", script],
        Gpus = [1],
        Peers = ["127.0.0.1", "127.0.0.1"],
    };
}
