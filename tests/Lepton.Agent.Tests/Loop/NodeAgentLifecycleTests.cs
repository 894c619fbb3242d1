using Lepton.Agent.Execution;
using Lepton.Agent.Hardware;
using Lepton.Client.Contracts;

namespace Lepton.Agent.Tests.Loop;

/// <summary>The agent's isolation choice, its clean stop and its clean-up of finished tasks' folders.</summary>
public sealed class NodeAgentLifecycleTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "lepton-agent-lifecycle-" + Guid.NewGuid().ToString("N"));
    private readonly FakeControlPlane _server = new();

    public void Dispose()
    {
        _server.DisposeAsync().AsTask().Wait();
        TaskDirectory.Delete(_directory);
    }

    [Fact]
    public async Task RunAsync_NodeCannotIsolate_RefusesToStartWithOneLineReason()
    {
        using var agent = new NodeAgent(Options() with { IsolationProbe = () => "user namespaces are disabled (simulated)" }, _ => { });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => agent.RunAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.Contains("cannot isolate tasks: user namespaces are disabled (simulated)", error.Message, StringComparison.Ordinal);
        Assert.Contains("--isolation none", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Equal(0, _server.Registrations);
    }

    [Theory]
    [InlineData(IsolationMode.Namespaces, "namespaces")]
    [InlineData(IsolationMode.None, "none")]
    public async Task RunAsync_IsolationMode_ReportedAtRegistration(IsolationMode mode, string reported)
    {
        // A failing probe does not matter when the operator turned isolation off.
        var probe = mode == IsolationMode.None ? () => "simulated: cannot isolate" : (Func<string?>?)null;
        using var stop = new CancellationTokenSource();
        using var agent = new NodeAgent(Options() with { Isolation = mode, IsolationProbe = probe }, _ => { });
        var run = agent.RunAsync(stop.Token);

        await _server.WaitUntilAsync(() => !_server.RegisteredNodes.IsEmpty, "the agent registers");
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(reported, _server.RegisteredNodes.Single().Isolation);
    }

    [Fact]
    public async Task RunAsync_CleanStopWhileTaskRuns_TaskKilledAndReleasedNotExited()
    {
        var marker = Execution.HostProcesses.NewMarker();
        using var stop = new CancellationTokenSource();
        using var agent = new NodeAgent(Options(), _ => { });
        var run = agent.RunAsync(stop.Token);
        _server.Assign(Assignment(5, $"sleep {marker} & echo started; wait"));
        await _server.WaitUntilAsync(() => _server.Reports.Any(r => r.Report.Status == "Started"), "the task starts");
        await _server.WaitUntilAsync(() => Execution.HostProcesses.WithArgument(marker).Count == 1, "its child runs");

        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Empty(Execution.HostProcesses.WithArgument(marker));
        var reports = _server.Reports.Where(r => r.TaskId == 5).Select(r => r.Report.Status).ToList();
        Assert.Equal(["Started", "Released"], reports);
    }

    [Fact]
    public async Task RunAsync_TaskFinished_FolderDeletedAfterRetention()
    {
        using var stop = new CancellationTokenSource();
        using var agent = new NodeAgent(Options() with { TaskDirectoryRetention = TimeSpan.Zero }, _ => { });
        var run = agent.RunAsync(stop.Token);
        _server.Assign(Assignment(6, "echo scratch > file; echo done"));
        await _server.WaitUntilAsync(() => _server.Reports.Any(r => r.Report.Status == "Exited"), "the task exits");

        var tasks = Path.Combine(_directory, "tasks");
        await _server.WaitUntilAsync(() => !Directory.Exists(tasks) || !Directory.EnumerateFileSystemEntries(tasks).Any(), "the finished task's folder is deleted");

        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("done\n", _server.LogText(6).Replace("scratch\n", "", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_TaskFinished_FolderKeptWithinRetention()
    {
        using var stop = new CancellationTokenSource();
        using var agent = new NodeAgent(Options(), _ => { });
        var run = agent.RunAsync(stop.Token);
        _server.Assign(Assignment(7, "echo scratch > file"));
        await _server.WaitUntilAsync(() => _server.Reports.Any(r => r.Report.Status == "Exited"), "the task exits");
        var heartbeats = _server.Heartbeats.Count;
        await _server.WaitUntilAsync(() => _server.Heartbeats.Count > heartbeats + 3, "more heartbeats pass");

        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("scratch\n", File.ReadAllText(Path.Combine(_directory, "tasks", "job107-r0-a0", "work", "file")));
    }

    private AgentOptions Options() => new()
    {
        Server = _server.Url,
        Token = "test-token",
        Name = "node-a",
        WorkDirectory = _directory,
        Declared = DeclaredResources.Parse("cpu=4,memory=8Gi"),
        DetectGpus = false,
        StopGrace = TimeSpan.FromSeconds(2),
        LogFlushInterval = TimeSpan.FromMilliseconds(100),
    };

    private static TaskAssignment Assignment(long taskId, string script) => new()
    {
        TaskId = taskId,
        Attempt = 0,
        JobId = 100 + taskId,
        Replica = 0,
        Replicas = 1,
        Command = ["/bin/sh", "-c", script],
        Peers = ["127.0.0.1"],
    };
}
