using System.Collections.Concurrent;
using Lepton.Agent.Execution;

namespace Lepton.Agent.Tests.Loop;

public sealed class TaskLedgerTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "lepton-ledger-" + Guid.NewGuid().ToString("N"));

    public TaskLedgerTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task KillLeftovers_TaskOfPreviousRun_KilledAndLedgerEmptied()
    {
        var path = Path.Combine(_directory, "ledger.json");
        var lines = new ConcurrentQueue<LogLine>();
        await using var task = TaskProcess.Start(
            new TaskLaunch("1", 0, 1, 0, ["/bin/sh", "-c", "echo ready; sleep 1000"], new Dictionary<string, string>(), [], []),
            Path.Combine(_directory, "task"), lines.Enqueue);
        // The launcher chain (setpriv, setsid) has made the task its own process group once the command runs; a leftover
        // of an earlier run is long past that point.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!lines.Any(l => l.Text.Contains("ready", StringComparison.Ordinal)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        new TaskLedger(path).Add("1-r0-a0", task.Pid);

        var killed = new TaskLedger(path).KillLeftovers();

        Assert.Equal(1, killed);
        Assert.Equal(128 + 9, await task.Completion.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.False(File.Exists(path));
        Assert.Equal(0, new TaskLedger(path).KillLeftovers());
    }
}
