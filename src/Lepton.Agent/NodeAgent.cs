using System.Collections.Concurrent;
using Lepton.Agent.Execution;
using Lepton.Agent.Hardware;
using Lepton.Client.Contracts;
using ContractGpu = Lepton.Client.Contracts.GpuDevice;

namespace Lepton.Agent;

/// <summary>The agent loop: registers the node, heartbeats with live usage, runs what the server assigns, kills what it no longer does.</summary>
/// <remarks>
/// The server is the source of truth. Every heartbeat lists the attempts this agent holds (running, or exited but not yet
/// reported); the response lists attempts to start and attempts to kill. Starting is idempotent (an attempt already held
/// or already finished here is never started twice) and an exit report is retried until the server takes it, so a
/// server restart or a lost response neither duplicates nor loses work. On start the agent kills processes a previous
/// run of itself left behind (see <see cref="TaskLedger"/>).
/// <para>Tasks run in a <see cref="TaskSandbox"/> unless the operator turned isolation off; an agent that cannot isolate
/// refuses to start. A clean stop (cancellation) stops every task and reports it <c>Released</c>, so the server requeues
/// it without using a retry. Each attempt has a private folder <c>WORK/tasks/jobJ-rR-aA/</c> holding the agent's copy of
/// its output and the task's own directory <c>work/</c>; folders of finished attempts are deleted after
/// <see cref="AgentOptions.TaskDirectoryRetention"/>.</para>
/// </remarks>
public sealed class NodeAgent : IDisposable
{
    private const int FinishedMemory = 10_000;
    private static readonly TimeSpan DefaultHeartbeat = TimeSpan.FromSeconds(5);
    private readonly AgentOptions _options;
    private readonly Action<string> _log;
    private readonly ServerConnection _server;
    private readonly HardwareDetector _detector;
    private readonly TaskLedger _ledger;
    private readonly ConcurrentDictionary<(long TaskId, int Attempt), Held> _held = new();
    private readonly ConcurrentQueue<(long TaskId, int Attempt)> _finishedOrder = new();
    private readonly ConcurrentDictionary<(long TaskId, int Attempt), byte> _finished = new();
    private readonly TaskSandbox? _sandbox;
    private MachineResources? _resources;
    private DateTimeOffset _lastSweep = DateTimeOffset.MinValue;

    /// <summary>Creates an agent; <paramref name="log"/> receives one line per notable event (defaults to stderr).</summary>
    public NodeAgent(AgentOptions options, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _log = log ?? (line => Console.Error.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} agent {options.Name}: {line}"));
        _server = new ServerConnection(options.Server, options.Token, TimeSpan.FromSeconds(15), Path.Combine(options.WorkDirectory, NodeCredentialFile.FileName),
            options.OtherServers);
        _detector = new HardwareDetector(options.DetectGpus, options.Declared.CpuMilli);
        TaskDirectory.CreatePrivate(options.WorkDirectory);
        // The work dir holds the ledger, every task's folder and the node's credential: never visible to a task.
        _sandbox = options.Isolation == IsolationMode.Namespaces ? new TaskSandbox([options.WorkDirectory, .. options.HiddenPaths], options.RunAs) : null;
        _ledger = new TaskLedger(Path.Combine(options.WorkDirectory, "ledger.json"));
    }

    /// <summary>The resources this agent registers (detected once, on first use).</summary>
    public MachineResources Resources => _resources ??= _detector.Detect(_options.Declared);

    /// <summary>The attempts this agent currently holds, for tests and diagnostics.</summary>
    public IReadOnlyCollection<(long TaskId, int Attempt)> HeldAttempts => _held.Keys.ToArray();

    /// <summary>How this agent isolates its tasks, as reported at registration: <c>namespaces</c> or <c>none</c>.</summary>
    public string IsolationName => _sandbox is null ? "none" : "namespaces";

    /// <summary>Runs until <paramref name="cancellationToken"/> fires, then stops every task it runs and hands them back.</summary>
    /// <exception cref="InvalidOperationException">This node cannot isolate tasks (and isolation is on), or the server refused the token.</exception>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (_sandbox is not null)
        {
            var probe = _options.IsolationProbe ?? (() => _sandbox.Probe(Path.Combine(_options.WorkDirectory, "tasks", ".isolation-probe")));
            if (probe() is { } reason)
            {
                throw new InvalidOperationException($"this node cannot isolate tasks: {reason}; fix that, or start the agent with --isolation none to run tasks unisolated");
            }
        }

        var leftovers = _ledger.KillLeftovers();
        if (leftovers > 0)
        {
            _log($"killed {leftovers} task process group(s) left by a previous run");
        }

        try
        {
            var interval = await RegisterAsync(cancellationToken).ConfigureAwait(false);
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    SweepTaskDirectories();
                    if (!await HeartbeatOnceAsync(cancellationToken).ConfigureAwait(false))
                    {
                        interval = await RegisterAsync(cancellationToken).ConfigureAwait(false);
                        continue;
                    }
                }
                catch (ServerException e) when (e.Status == System.Net.HttpStatusCode.Unauthorized && !cancellationToken.IsCancellationRequested)
                {
                    _log("the server no longer accepts this node's credential (revoked, or the node was removed); registering again");
                    interval = await RegisterAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }
                catch (Exception e) when (IsTransient(e, cancellationToken))
                {
                    _log($"heartbeat failed: {e.Message}");
                }

                await Task.Delay(interval, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            await StopAllAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _server.Dispose();

    private async Task<TimeSpan> RegisterAsync(CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                var resources = Resources;
                var registered = await _server.RegisterAsync(new NodeRegistration
                {
                    Name = _options.Name,
                    CpuMilli = resources.CpuMilli,
                    MemoryMiB = resources.MemoryMiB,
                    Gpus = resources.Gpus.Select(g => new ContractGpu { Index = g.Index, Model = g.Model, MemoryMiB = g.MemoryMiB }).ToList(),
                    Fpga = resources.Fpga,
                    NetworkMbps = resources.NetworkMbps,
                    Labels = _options.Labels,
                    PricePerHour = _options.PricePerHour,
                    IdleWatts = _options.IdleWatts,
                    PeakWatts = _options.PeakWatts,
                    Address = _options.Address,
                    Isolation = IsolationName,
                }, cancellationToken).ConfigureAwait(false);
                var interval = _options.HeartbeatInterval
                    ?? (registered.HeartbeatIntervalSeconds > 0 ? TimeSpan.FromSeconds(registered.HeartbeatIntervalSeconds) : DefaultHeartbeat);
                _log($"registered with {_options.Server} (tasks isolated: {IsolationName}{(_sandbox?.RunAs is { } user ? $", as user {user.Name}" : "")}; {resources.CpuMilli / 1000.0} cores, {resources.MemoryMiB} MiB, {(resources.Gpus.Count == 0 ? "no GPU" : $"{resources.Gpus.Count}×{resources.GpuModel}")}); heartbeat every {interval.TotalSeconds}s");
                return interval;
            }
            catch (ServerException e) when (e.Status is System.Net.HttpStatusCode.Unauthorized or System.Net.HttpStatusCode.Forbidden)
            {
                throw new InvalidOperationException($"the server refused the agent token: {e.Message}", e);
            }
            catch (ServerException e) when (e.Status is System.Net.HttpStatusCode.Conflict)
            {
                // The name belongs to another credential (another agent, or this node's credential file was lost).
                throw new InvalidOperationException($"node '{_options.Name}' is registered with another credential; an admin must remove it first ('lepton node remove {_options.Name}'): {e.Message}", e);
            }
            catch (Exception e) when (IsTransient(e, cancellationToken))
            {
                _log($"registration failed, retrying in {delay.TotalSeconds:0.##}s: {e.Message}");
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    /// <summary>One heartbeat and its consequences; false when the server does not know this node any more.</summary>
    private async Task<bool> HeartbeatOnceAsync(CancellationToken cancellationToken)
    {
        var usage = _detector.Sample(RunningTaskPids());
        var response = await _server.HeartbeatAsync(_options.Name, new Heartbeat
        {
            Usage = new NodeUsage
            {
                CpuPercent = usage.CpuPercent,
                MemoryUsedMiB = usage.MemoryUsedMiB,
                Gpus = usage.Gpus.Select(g => new GpuUsage
                {
                    Index = g.Index, UtilizationPercent = g.UtilizationPercent, MemoryUsedMiB = g.MemoryUsedMiB, PowerWatts = g.PowerWatts,
                }).ToList(),
                CpuWatts = usage.CpuWatts,
            },
            Running = _held.Keys.Select(k => new TaskRef { TaskId = k.TaskId, Attempt = k.Attempt }).ToList(),
        }, cancellationToken).ConfigureAwait(false);
        if (!response.Known)
        {
            _log("the server does not know this node; registering again");
            return false;
        }

        foreach (var kill in response.Kill)
        {
            if (_held.TryGetValue((kill.TaskId, kill.Attempt), out var held))
            {
                _log($"killing task {kill.TaskId} attempt {kill.Attempt} (no longer assigned here)");
                held.KilledByServer = true;
                _ = held.Process?.StopAsync(_options.StopGrace);
            }
        }

        foreach (var assignment in response.Assignments)
        {
            var key = (assignment.TaskId, assignment.Attempt);
            if (_finished.ContainsKey(key))
            {
                continue;
            }

            var held = new Held(assignment);
            if (_held.TryAdd(key, held))
            {
                held.Run = RunTaskAsync(held);
            }
        }

        return true;
    }

    private async Task RunTaskAsync(Held held)
    {
        var a = held.Assignment;
        var launch = new TaskLaunch(a.JobId.ToString(System.Globalization.CultureInfo.InvariantCulture), a.Replica, a.Replicas, a.Attempt, a.Command, a.Env, a.Gpus, a.Peers);
        var directory = Path.Combine(_options.WorkDirectory, "tasks", Held.DirectoryName(a));
        var work = Path.Combine(directory, "work");
        TaskDirectory.CreatePrivate(directory);
        var shipper = new LogShipper(_server, _options.Name, a.TaskId, a.Attempt, Path.Combine(directory, "output.log"), _options.LogFlushInterval);
        var exitCode = -1;
        string? message = null;
        try
        {
            try
            {
                TaskDirectory.CreateFor(work, _sandbox?.RunAs);
                held.Process = TaskProcess.Start(launch, work, shipper.Add, _sandbox);
                _ledger.Add(launch.Key, held.Process.Pid);
                if (held.KilledByServer || held.AgentStopping)
                {
                    // The kill arrived while the process was being started.
                    _ = held.Process.StopAsync(_options.StopGrace);
                }

                _log($"started task {a.TaskId} (job {a.JobId} replica {a.Replica} attempt {a.Attempt}) as pid {held.Process.Pid}");
                await ReportAsync(a, new TaskStatusReport { Attempt = a.Attempt, Status = "Started" }).ConfigureAwait(false);
                exitCode = await held.Process.Completion.ConfigureAwait(false);
            }
            catch (TaskStartException e)
            {
                exitCode = 127;
                message = e.Message;
                shipper.Add(new LogLine("stderr", $"[lepton-agent] {e.Message}", DateTimeOffset.UtcNow));
            }

            _ledger.Remove(launch.Key);
            _log($"task {a.TaskId} attempt {a.Attempt} exited with {exitCode}{(held.KilledByServer ? " (killed on the server's request)" : "")}");
            for (var i = 0; i < 20 && !await shipper.FlushAsync(CancellationToken.None).ConfigureAwait(false); i++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500)).ConfigureAwait(false);
            }

            // An attempt the server asked to kill has already been accounted for there (cancelled, preempted, requeued).
            // One stopped because this agent is going away, not because of anything the task did, is handed back: no retry charged.
            if (!held.KilledByServer)
            {
                await ReportAsync(a, held.AgentStopping && held.Process is { StoppedWhileRunning: true }
                    ? new TaskStatusReport { Attempt = a.Attempt, Status = "Released", Message = "the agent stopped" }
                    : new TaskStatusReport { Attempt = a.Attempt, Status = "Exited", ExitCode = exitCode, Message = message }).ConfigureAwait(false);
            }
        }
        finally
        {
            try
            {
                // Marks when the attempt ended; its folder is deleted a retention period later.
                await File.WriteAllTextAsync(Path.Combine(directory, "exited"), $"{exitCode}\n").ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }

            await shipper.DisposeAsync().ConfigureAwait(false);
            if (held.Process is not null)
            {
                await held.Process.DisposeAsync().ConfigureAwait(false);
            }

            Remember((a.TaskId, a.Attempt));
            _held.TryRemove((a.TaskId, a.Attempt), out _);
        }
    }

    /// <summary>Delivers a status report, retrying through server outages until it is taken or refused for good.</summary>
    private async Task ReportAsync(TaskAssignment assignment, TaskStatusReport report)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        while (true)
        {
            try
            {
                if (!await _server.ReportAsync(_options.Name, assignment.TaskId, report, CancellationToken.None).ConfigureAwait(false))
                {
                    _log($"the server refused the {report.Status} report of task {assignment.TaskId} attempt {assignment.Attempt} (stale)");
                }

                return;
            }
            catch (Exception e) when (e is HttpRequestException or ServerException or TaskCanceledException)
            {
                _log($"reporting task {assignment.TaskId} {report.Status} failed, retrying: {e.Message}");
                await Task.Delay(delay).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    private void Remember((long TaskId, int Attempt) key)
    {
        if (_finished.TryAdd(key, 0))
        {
            _finishedOrder.Enqueue(key);
            while (_finishedOrder.Count > FinishedMemory && _finishedOrder.TryDequeue(out var old))
            {
                _finished.TryRemove(old, out _);
            }
        }
    }

    private async Task StopAllAsync()
    {
        var running = _held.Values.ToArray();
        foreach (var held in running)
        {
            held.AgentStopping = true;
            _ = held.Process?.StopAsync(_options.StopGrace);
        }

        foreach (var held in running)
        {
            if (held.Run is { } run)
            {
                await Task.WhenAny(run, Task.Delay(_options.StopGrace + TimeSpan.FromSeconds(10))).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Deletes folders of attempts that ended longer than the retention period ago (at most once a minute, or each heartbeat for a shorter retention).</summary>
    private void SweepTaskDirectories()
    {
        var now = DateTimeOffset.UtcNow;
        var period = TimeSpan.FromTicks(Math.Min(TimeSpan.FromMinutes(1).Ticks, _options.TaskDirectoryRetention.Ticks));
        if (now - _lastSweep < period && _lastSweep - now < period)
        {
            return;
        }

        _lastSweep = now;
        var root = Path.Combine(_options.WorkDirectory, "tasks");
        if (!Directory.Exists(root))
        {
            return;
        }

        var held = _held.Values.Select(h => Held.DirectoryName(h.Assignment)).ToHashSet(StringComparer.Ordinal);
        foreach (var directory in Directory.EnumerateDirectories(root))
        {
            var name = Path.GetFileName(directory);
            if (held.Contains(name))
            {
                continue;
            }

            // A folder without the marker was left by an agent that died; its own time is the best we know.
            var marker = Path.Combine(directory, "exited");
            var ended = File.Exists(marker) ? File.GetLastWriteTimeUtc(marker) : Directory.GetLastWriteTimeUtc(directory);
            if (now - new DateTimeOffset(ended, TimeSpan.Zero) >= _options.TaskDirectoryRetention && !TaskDirectory.Delete(directory))
            {
                _log($"could not delete the folder of a finished task: {directory}");
            }
        }
    }

    /// <summary>Root pids of the tasks still running, whose process trees make up a declared node's live CPU.</summary>
    private List<int> RunningTaskPids()
    {
        var pids = new List<int>(_held.Count);
        foreach (var held in _held.Values)
        {
            // A finished task's pid may already belong to an unrelated process.
            if (held.Process is { Completion.IsCompleted: false } process)
            {
                pids.Add(process.Pid);
            }
        }

        return pids;
    }

    private static bool IsTransient(Exception e, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested && e is HttpRequestException or ServerException or TaskCanceledException or System.Text.Json.JsonException;

    /// <summary>One attempt this agent holds.</summary>
    private sealed class Held(TaskAssignment assignment)
    {
        public TaskAssignment Assignment { get; } = assignment;

        /// <summary>The name of an attempt's folder under <c>WORK/tasks</c>.</summary>
        public static string DirectoryName(TaskAssignment a) =>
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"job{a.JobId}-r{a.Replica}-a{a.Attempt}");

        public TaskProcess? Process { get; set; }

        public Task? Run { get; set; }

        public volatile bool KilledByServer;

        public volatile bool AgentStopping;
    }
}
