using System.Diagnostics;

namespace Lepton.Agent.Execution;

/// <summary>A task running as a child process in its own process group, with its output captured line by line.</summary>
/// <remarks>
/// The child is started through <c>setsid</c> (inside a <see cref="TaskSandbox"/> unless isolation is off), so it leads a
/// new session and process group whose id is its pid; every
/// process it spawns stays in that group unless it deliberately leaves. Stopping signals the whole group (SIGTERM, then
/// SIGKILL after a grace period), which is what leaves no orphan behind. When the main process exits by itself, any
/// leftovers in its group are killed as well: a task's processes end with the task.
/// </remarks>
public sealed class TaskProcess : IAsyncDisposable
{
    private static readonly TimeSpan OutputDrainTimeout = TimeSpan.FromSeconds(5);
    private readonly Process _process;
    private readonly Action<LogLine> _onOutput;
    private readonly TaskCompletionSource _processExited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task<int> _completion;
    private int _stopRequested;
    private int _stoppedWhileRunning;

    private TaskProcess(Process process, Action<LogLine> onOutput)
    {
        _process = process;
        _onOutput = onOutput;
        _process.EnableRaisingEvents = true;
        _process.Exited += (_, _) => _processExited.TrySetResult();
        Pid = process.Id;
        var stdout = PumpAsync(process.StandardOutput, "stdout");
        var stderr = PumpAsync(process.StandardError, "stderr");
        if (process.HasExited)
        {
            _processExited.TrySetResult();
        }

        _completion = CompleteAsync(stdout, stderr);
    }

    /// <summary>The child's pid, which is also its process group id.</summary>
    public int Pid { get; }

    /// <summary>Completes with the exit code once the task and its output have ended (128+N when killed by signal N).</summary>
    public Task<int> Completion => _completion;

    /// <summary>True once <see cref="StopAsync"/> was called: the exit code is then the agent's doing, not the task's.</summary>
    public bool WasStopped => Volatile.Read(ref _stopRequested) != 0;

    /// <summary>True when <see cref="StopAsync"/> found the task still running: it did not get to finish on its own.</summary>
    public bool StoppedWhileRunning => Volatile.Read(ref _stoppedWhileRunning) != 0;

    /// <summary>Starts <paramref name="launch"/> in <paramref name="workingDirectory"/> (created if missing).</summary>
    /// <param name="launch">What to run.</param>
    /// <param name="workingDirectory">The task's own directory.</param>
    /// <param name="onOutput">Called for every line of stdout and stderr, from a background thread.</param>
    /// <param name="sandbox">Where to run it: in its own namespaces (see <see cref="TaskSandbox"/>), or, when null, as a plain child of the agent.</param>
    /// <exception cref="TaskStartException">The command is empty or cannot be started (not found, not executable).</exception>
    public static TaskProcess Start(TaskLaunch launch, string workingDirectory, Action<LogLine> onOutput, TaskSandbox? sandbox = null)
    {
        ArgumentNullException.ThrowIfNull(launch);
        ArgumentNullException.ThrowIfNull(onOutput);
        if (launch.Command.Count == 0 || string.IsNullOrEmpty(launch.Command[0]))
        {
            throw new TaskStartException("the job has no command");
        }

        Directory.CreateDirectory(workingDirectory);
        var directory = Path.GetFullPath(workingDirectory);
        var info = new ProcessStartInfo
        {
            WorkingDirectory = directory,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var environment = launch.TaskEnvironment(directory);
        if (sandbox is not null)
        {
            sandbox.Configure(info, launch.Command, environment, directory);
        }
        else
        {
            Unisolated(info, launch.Command, environment);
        }

        Process process;
        try
        {
            process = TaskLauncher.Start(info);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new TaskStartException($"could not start '{launch.Command[0]}': {e.Message}");
        }

        // The task reads no input: closing stdin now makes a program that waits for input see end-of-file.
        process.StandardInput.Close();
        return new TaskProcess(process, onOutput);
    }

    /// <summary>No isolation: the command runs as the agent's user in a new session, dying with the agent where <c>setpriv</c> is installed.</summary>
    private static void Unisolated(ProcessStartInfo info, IReadOnlyList<string> command, IReadOnlyList<KeyValuePair<string, string>> environment)
    {
        // Nothing of the agent's own environment (its token, its configuration) is passed on.
        info.Environment.Clear();
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        var arguments = new List<string>();
        if (SystemTool.Find("setpriv") is { } setpriv)
        {
            arguments.AddRange([setpriv, "--pdeathsig", "KILL", "--"]);
        }

        if (Setsid.Path is { } setsid)
        {
            // No --fork: a child of .NET is never a group leader, so setsid execs in place and pid == pgid.
            arguments.AddRange([setsid, "--"]);
        }

        arguments.AddRange(command);
        info.FileName = arguments[0];
        foreach (var argument in arguments.Skip(1))
        {
            info.ArgumentList.Add(argument);
        }
    }

    /// <summary>Stops the task and everything it spawned: SIGTERM to the group, then SIGKILL after <paramref name="grace"/>.</summary>
    /// <returns>The exit code.</returns>
    public async Task<int> StopAsync(TimeSpan grace)
    {
        Interlocked.Exchange(ref _stopRequested, 1);
        if (!_processExited.Task.IsCompleted)
        {
            Interlocked.Exchange(ref _stoppedWhileRunning, 1);
            SignalGroup(ProcessGroup.SigTerm);
            var exited = await Task.WhenAny(_processExited.Task, Task.Delay(grace)).ConfigureAwait(false);
            if (exited != _processExited.Task)
            {
                SignalGroup(ProcessGroup.SigKill);
            }
        }

        return await _completion.ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (!_completion.IsCompleted)
        {
            await StopAsync(TimeSpan.Zero).ConfigureAwait(false);
        }

        _process.Dispose();
    }

    private async Task<int> CompleteAsync(Task stdout, Task stderr)
    {
        await _processExited.Task.ConfigureAwait(false);
        // Whatever the task left running in its group (a backgrounded child, a daemon) ends with it; otherwise those
        // processes would keep the output pipes open and outlive the task's accounting.
        SignalGroup(ProcessGroup.SigKill);
        await Task.WhenAny(Task.WhenAll(stdout, stderr), Task.Delay(OutputDrainTimeout)).ConfigureAwait(false);
        _process.WaitForExit();
        return _process.ExitCode;
    }

    private void SignalGroup(int signal)
    {
        if (Setsid.Path is not null)
        {
            ProcessGroup.Signal(Pid, signal);
        }
        else if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
    }

    private async Task PumpAsync(StreamReader reader, string stream)
    {
        try
        {
            while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                _onOutput(new LogLine(stream, line, DateTimeOffset.UtcNow));
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The pipe broke because the process group was killed: the output ends here.
        }
    }
}
