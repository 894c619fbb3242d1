using System.Collections.Concurrent;
using Lepton.Agent.Execution;

namespace Lepton.Agent.Tests.Execution;

/// <summary>Tasks in a <see cref="TaskSandbox"/>: their own namespaces, an unprivileged user, the agent's files and other tasks out of reach.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class TaskSandboxTests : IDisposable
{
    private const string Secret = "lt_secret-that-no-task-may-read";
    private readonly string _root = Path.Combine(Path.GetTempPath(), "lepton-sandbox-tests-" + Guid.NewGuid().ToString("N"));
    private readonly string _outsideSecret = Path.Combine(AppContext.BaseDirectory, "hidden-" + Guid.NewGuid().ToString("N") + ".token");
    private readonly ConcurrentQueue<LogLine> _lines = new();
    private readonly TaskSandbox _sandbox;

    public TaskSandboxTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "tasks", "other", "work"));
        File.WriteAllText(Path.Combine(_root, "agent-token"), Secret);
        File.WriteAllText(Path.Combine(_root, "tasks", "other", "work", "data"), Secret);
        File.WriteAllText(_outsideSecret, Secret);
        _sandbox = new TaskSandbox([_root, _outsideSecret]);
        TaskDirectory.CreateFor(Work, _sandbox.RunAs);
    }

    private string Work => Path.Combine(_root, "tasks", "me", "work");

    public void Dispose()
    {
        TaskDirectory.Delete(_root);
        File.Delete(_outsideSecret);
    }

    [Fact]
    public void Probe_ThisMachine_CanIsolate()
    {
        Assert.Null(_sandbox.Probe(Path.Combine(_root, "tasks", "probe")));
    }

    [Fact]
    public async Task Start_TaskReadsAgentFiles_SeesNoneButWritesItsOwnDirectory()
    {
        var script = string.Join("; ",
            $"cat {_root}/agent-token ../../../agent-token ../../other/work/data {_root}/tasks/other/work/data {_outsideSecret}",
            $"ls {_root} {_root}/tasks",
            "echo mine > mine.txt && cat mine.txt",
            "pwd");

        Assert.Equal(0, await RunAsync(script));

        var text = Output();
        Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
        Assert.DoesNotContain("other", Output("stdout"), StringComparison.Ordinal);
        Assert.Contains("mine", Output("stdout"), StringComparison.Ordinal);
        Assert.Equal(Work, _lines.Last(l => l.Stream == "stdout").Text);
        Assert.Equal("mine\n", File.ReadAllText(Path.Combine(Work, "mine.txt")));
    }

    [Fact]
    public async Task Start_AgentIsRoot_TaskRunsAsUnprivilegedUserWithoutCapabilities()
    {
        Assert.Equal(0, await RunAsync("id -u; grep CapEff /proc/self/status; umount " + _root + " 2>&1 || echo umount-refused"));

        var stdout = Output("stdout");
        var expectedUid = _sandbox.RunAs?.Uid ?? (int)Geteuid();
        Assert.StartsWith(expectedUid.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n", stdout, StringComparison.Ordinal);
        Assert.Contains("CapEff:\t0000000000000000", stdout, StringComparison.Ordinal);
        Assert.Contains("umount-refused", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_TaskListsProcesses_SeesOnlyItsOwn()
    {
        Assert.Equal(0, await RunAsync("for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline; echo; done; ls -d /proc/[0-9]* | wc -l"));

        var stdout = Output("stdout");
        Assert.DoesNotContain("testhost", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("dotnet", stdout, StringComparison.Ordinal);
        // The namespace's init, the task's shell and its short-lived children: a handful, not the machine's processes.
        Assert.InRange(int.Parse(_lines.Last(l => l.Stream == "stdout").Text.Trim(), System.Globalization.CultureInfo.InvariantCulture), 1, 6);
    }

    [Fact]
    public async Task Start_AgentEnvironmentHasSecrets_TaskSeesOnlyJobAndLeptonVariables()
    {
        Environment.SetEnvironmentVariable("LEPTON_AGENT_TOKEN", Secret);
        Environment.SetEnvironmentVariable("AGENT_ONLY_SETTING", "agent");
        // env itself, not a shell: dash drops variables whose names it cannot represent (odd.name) when it starts a program.
        var launch = Launch("env") with
        {
            Command = ["/usr/bin/env"],
            Environment = new Dictionary<string, string>
            {
                ["DATASET"] = "imagenet",
                ["WITH_NEWLINE"] = "a\nb",
                ["odd.name"] = "kept",
                ["LEPTON_JOB_ID"] = "forged",
                ["CUDA_VISIBLE_DEVICES"] = "0,1,2,3",
            },
            GpuIndices = [1],
        };

        Assert.Equal(0, await RunAsync(launch));

        var variables = _lines.Where(l => l.Stream == "stdout" && l.Text.Contains('=', StringComparison.Ordinal))
            .Select(l => l.Text[..l.Text.IndexOf('=', StringComparison.Ordinal)]).ToHashSet(StringComparer.Ordinal);
        Assert.Subset(
            new HashSet<string>(["DATASET", "WITH_NEWLINE", "odd.name", "PATH", "HOME", "PWD", "CUDA_VISIBLE_DEVICES", "LEPTON_JOB_ID", "LEPTON_REPLICA", "LEPTON_REPLICAS", "LEPTON_ATTEMPT", "LEPTON_PEERS"]),
            variables);
        var stdout = Output("stdout");
        Assert.Contains("DATASET=imagenet\n", stdout, StringComparison.Ordinal);
        Assert.Contains("WITH_NEWLINE=a\nb\n", stdout, StringComparison.Ordinal);
        Assert.Contains("odd.name=kept\n", stdout, StringComparison.Ordinal);
        Assert.Contains("LEPTON_JOB_ID=job-1\n", stdout, StringComparison.Ordinal);
        Assert.Contains("CUDA_VISIBLE_DEVICES=1\n", stdout, StringComparison.Ordinal);
        Assert.Contains($"HOME={Work}\n", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, Output(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_JobSetsLoaderVariables_WrappersRunningAsRootIgnoreThem()
    {
        // A job's LD_PRELOAD must reach only the job: were it in the environment of the root wrappers, ld.so would complain there.
        var launch = Launch("echo ran") with { Environment = new Dictionary<string, string> { ["LD_PRELOAD"] = "/nonexistent/evil.so" } };

        await RunAsync(launch);

        Assert.Contains(_lines, l => l is { Stream: "stdout", Text: "ran" });
        // Only the task's own shell loads it (one complaint), not setpriv, setsid, unshare, mount or the init shell.
        Assert.InRange(_lines.Count(l => l.Text.Contains("evil.so", StringComparison.Ordinal)), 0, 1);
    }

    [Fact]
    public async Task StopAsync_TaskWithBackgroundChild_TermThenAllGoneFromHost()
    {
        var marker = HostProcesses.NewMarker();
        await using var task = TaskProcess.Start(Launch($"sleep {marker} & echo started; wait"), Work, _lines.Enqueue, _sandbox);
        Assert.True(await HostProcesses.EventuallyAsync(() => HostProcesses.WithArgument(marker).Count == 1), "the task's child never appeared");

        var exitCode = await task.StopAsync(TimeSpan.FromSeconds(5)).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(128 + 15, exitCode);
        Assert.True(task.StoppedWhileRunning);
        Assert.True(await HostProcesses.EventuallyAsync(() => HostProcesses.WithArgument(marker).Count == 0), "a process of the stopped task survived");
    }

    [Fact]
    public async Task Completion_TaskLeavesDaemonBehind_DaemonKilledWithTheNamespace()
    {
        var marker = HostProcesses.NewMarker();
        await using var task = TaskProcess.Start(Launch($"setsid sleep {marker} > /dev/null 2>&1 < /dev/null & echo $!"), Work, _lines.Enqueue, _sandbox);

        Assert.Equal(0, await task.Completion.WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.True(await HostProcesses.EventuallyAsync(() => HostProcesses.WithArgument(marker).Count == 0), "the daemon outlived its task");
    }

    [Fact]
    public async Task Start_AgentFolderUnderPrivateHome_TaskStillReachesItsDirectory()
    {
        // Like 'lepton up' run by root in /root (mode 0700): the task's user cannot pass through that folder on the host.
        // Not under /tmp, which every task gets fresh (and traversable) anyway.
        var home = Path.Combine(AppContext.BaseDirectory, "lepton-private-home-" + Guid.NewGuid().ToString("N"));
        var agent = Path.Combine(home, "project", ".lepton");
        var work = Path.Combine(agent, "tasks", "t", "work");
        try
        {
            Directory.CreateDirectory(Path.Combine(home, "project"));
            File.SetUnixFileMode(home, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            File.WriteAllText(Path.Combine(home, "project", "notes"), Secret);
            var sandbox = new TaskSandbox([agent]);
            TaskDirectory.CreateFor(work, sandbox.RunAs);

            await using var task = TaskProcess.Start(Launch($"pwd; echo ok > f; cat f; cat {home}/project/notes"), work, _lines.Enqueue, sandbox);
            await task.Completion.WaitAsync(TimeSpan.FromSeconds(30));

            Assert.Equal([work, "ok"], _lines.Where(l => l.Stream == "stdout").Select(l => l.Text));
            Assert.DoesNotContain(Secret, Output(), StringComparison.Ordinal);
        }
        finally
        {
            TaskDirectory.Delete(home);
        }
    }

    [Fact]
    public async Task Start_MissingProgram_Exits127()
    {
        Assert.Equal(127, await RunAsync(Launch("true") with { Command = ["/nonexistent/program"] }));
    }

    private Task<int> RunAsync(string script) => RunAsync(Launch(script));

    private async Task<int> RunAsync(TaskLaunch launch)
    {
        await using var task = TaskProcess.Start(launch, Work, _lines.Enqueue, _sandbox);
        return await task.Completion.WaitAsync(TimeSpan.FromSeconds(30));
    }

    private string Output(string? stream = null) =>
        string.Concat(_lines.Where(l => stream is null || l.Stream == stream).Select(l => l.Text + "\n"));

    private static TaskLaunch Launch(string script) =>
        new("job-1", 0, 1, 0, ["/bin/sh", "-c", script], new Dictionary<string, string>(), [], []);

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint Geteuid();
}
