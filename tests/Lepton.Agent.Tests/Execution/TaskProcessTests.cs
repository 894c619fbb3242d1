using System.Collections.Concurrent;
using System.Globalization;
using Lepton.Agent.Execution;

namespace Lepton.Agent.Tests.Execution;

public sealed class TaskProcessTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "lepton-agent-tests-" + Guid.NewGuid().ToString("N"));
    private readonly ConcurrentQueue<LogLine> _lines = new();

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task Start_ShellExits3_ReportsExitCodeAndBothStreams()
    {
        await using var task = TaskProcess.Start(Launch("echo out; echo err >&2; exit 3"), _directory, _lines.Enqueue);

        var exitCode = await task.Completion.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(3, exitCode);
        Assert.Contains(_lines, l => l is { Stream: "stdout", Text: "out" });
        Assert.Contains(_lines, l => l is { Stream: "stderr", Text: "err" });
        Assert.False(task.WasStopped);
    }

    [Fact]
    public async Task Start_GangReplica_SetsLeptonEnvironmentAndWorkingDirectory()
    {
        var launch = Launch("echo \"$LEPTON_JOB_ID|$LEPTON_REPLICA|$LEPTON_REPLICAS|$CUDA_VISIBLE_DEVICES|$LEPTON_PEERS|$DATASET\"; pwd") with
        {
            Replica = 1,
            Replicas = 2,
            GpuIndices = [2, 3],
            Peers = ["10.0.0.1", "10.0.0.2"],
            Environment = new Dictionary<string, string> { ["DATASET"] = "imagenet", ["LEPTON_JOB_ID"] = "forged" },
        };
        await using var task = TaskProcess.Start(launch, _directory, _lines.Enqueue);

        Assert.Equal(0, await task.Completion.WaitAsync(TimeSpan.FromSeconds(30)));

        var text = _lines.Select(l => l.Text).ToList();
        Assert.Equal("job-1|1|2|2,3|10.0.0.1,10.0.0.2|imagenet", text[0]);
        Assert.Equal(Path.GetFullPath(_directory), text[1]);
    }

    [Fact]
    public async Task StopAsync_ShellWithSleepingGrandchild_NoOrphanLeft()
    {
        await using var task = TaskProcess.Start(Launch("sleep 1000 & echo $!; wait"), _directory, _lines.Enqueue);
        var grandchild = await FirstPidAsync();
        Assert.True(IsAlive(grandchild));

        var exitCode = await task.StopAsync(TimeSpan.FromSeconds(5)).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(task.WasStopped);
        Assert.Equal(128 + 15, exitCode);
        await AssertGoneAsync(grandchild);
    }

    [Fact]
    public async Task StopAsync_TaskIgnoresSigterm_KilledAfterGrace()
    {
        await using var task = TaskProcess.Start(Launch("trap '' TERM; sleep 1000 & echo $!; wait"), _directory, _lines.Enqueue);
        var grandchild = await FirstPidAsync();

        var exitCode = await task.StopAsync(TimeSpan.FromMilliseconds(300)).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(128 + 9, exitCode);
        await AssertGoneAsync(grandchild);
    }

    [Fact]
    public async Task Completion_MainExitsLeavingBackgroundChild_ChildKilled()
    {
        await using var task = TaskProcess.Start(Launch("sleep 1000 > /dev/null 2>&1 & echo $!"), _directory, _lines.Enqueue);

        Assert.Equal(0, await task.Completion.WaitAsync(TimeSpan.FromSeconds(30)));

        await AssertGoneAsync(await FirstPidAsync());
    }

    [Fact]
    public void Start_EmptyCommand_Throws()
    {
        var launch = Launch("true") with { Command = [] };

        Assert.Throws<TaskStartException>(() => TaskProcess.Start(launch, _directory, _lines.Enqueue));
    }

    [Fact]
    public async Task Start_MissingProgram_FailsWithNonZeroExit()
    {
        var launch = Launch("true") with { Command = ["/nonexistent/program"] };

        int exitCode;
        try
        {
            await using var task = TaskProcess.Start(launch, _directory, _lines.Enqueue);
            exitCode = await task.Completion.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TaskStartException)
        {
            exitCode = -1;
        }

        Assert.NotEqual(0, exitCode);
    }

    private static TaskLaunch Launch(string script) =>
        new("job-1", 0, 1, 0, ["/bin/sh", "-c", script], new Dictionary<string, string>(), [], []);

    private async Task<int> FirstPidAsync()
    {
        for (var i = 0; i < 300 && _lines.IsEmpty; i++)
        {
            await Task.Delay(50);
        }

        Assert.True(_lines.TryPeek(out var line), "the task printed no pid");
        return int.Parse(line.Text, CultureInfo.InvariantCulture);
    }

    // A killed process may linger briefly as a zombie until its new parent reaps it; a zombie runs nothing.
    private static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];
            return state != "Z" && state != "X";
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static async Task AssertGoneAsync(int pid)
    {
        for (var i = 0; i < 100 && IsAlive(pid); i++)
        {
            await Task.Delay(50);
        }

        Assert.False(IsAlive(pid), $"process {pid} outlived its task");
    }
}
