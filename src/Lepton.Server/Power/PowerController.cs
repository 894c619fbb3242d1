using Lepton.Client.Contracts;
using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Power;
using Lepton.Core.Queueing;
using Lepton.Server.Model;
using Lepton.Server.Persistence;
using Lepton.Server.Scheduling;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Lepton.Server.Power;

/// <summary>Switches idle nodes off and wakes them when queued work needs them, through the admin's commands
/// (<c>lepton serve --power-off-command CMD --power-on-command CMD</c>), each run with the node name as its last argument.</summary>
/// <remarks>
/// <para>Switching off: the node is drained first (durably, so no work lands there even across a restart), then the
/// power-off command runs; if it fails the node is undrained again. A node that is off stops heartbeating and goes Down;
/// the placement core never sees it Ready.</para>
/// <para>Waking: the power-on command runs and the node is Waking until its agent heartbeats again; then it takes work
/// (a node still drained by the controller is undrained). A node not back within the wake timeout is PoweredOff again and
/// is not woken for another wake timeout. A node that comes back by itself (someone switched it on) is taken as On.</para>
/// <para>States are kept in the usage store (<c>node_power</c>), so a restarted server still knows which nodes it switched
/// off. Decisions are logged, listed in <c>GET /api/v1/usage/power</c> and shown by <c>node list</c> and the dashboard.</para>
/// </remarks>
internal sealed class PowerController : BackgroundService
{
    private const int MaxEvents = 200;
    // Pending jobs the queue would place if there were room (not those held back by quota, fair share or queue order).
    private static readonly string[] WaitingForRoom =
    [
        QueueReasonCodes.Unschedulable, QueueReasonCodes.NeverFits, QueueReasonCodes.NoNodes, QueueReasonCodes.GangIncomplete,
        QueueReasonCodes.Queued, QueueReasonCodes.Preempted, QueueReasonCodes.Retrying,
    ];

    private readonly ControlPlane _plane;
    private readonly IUsageStore _store;
    private readonly PowerCommand _off;
    private readonly PowerCommand _on;
    private readonly PowerControllerOptions _options;
    private readonly ILogger _log;
    private readonly PlacementPolicy _policy;
    private readonly Dictionary<string, DateTimeOffset> _idleSince = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (NodePowerState State, DateTimeOffset Since)> _states = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _backOffUntil = new(StringComparer.Ordinal);
    private readonly Queue<PowerEvent> _events = new();

    public PowerController(ControlPlane plane, IUsageStore store, PowerControllerOptions options, PlacementPolicy policy, ILogger<PowerController> log)
    {
        _plane = plane;
        _store = store;
        _options = options;
        _log = log;
        _off = new PowerCommand(options.PowerOffCommand);
        _on = new PowerCommand(options.PowerOnCommand);
        _policy = policy;
        foreach (var (node, state, since) in store.LoadPowerStates())
        {
            if (Enum.TryParse<NodePowerState>(state, out var parsed) && parsed != NodePowerState.On)
            {
                _states[node] = (parsed, since);
            }
        }
    }

    /// <summary>The power state of <paramref name="node"/>.</summary>
    public NodePowerState StateOf(string node)
    {
        lock (_gate)
        {
            return _states.TryGetValue(node, out var s) ? s.State : NodePowerState.On;
        }
    }

    /// <summary>Recent decisions, oldest first.</summary>
    public List<PowerEvent> Events()
    {
        lock (_gate)
        {
            return [.. _events];
        }
    }

    /// <summary>A node's view with its power state in place of its state while the controller has it off or waking.</summary>
    public NodeView Decorate(NodeView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        var state = StateOf(view.Name);
        return state == NodePowerState.On ? view : view with { State = state.ToString(), PowerWatts = state == NodePowerState.PoweredOff ? null : view.PowerWatts };
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.Interval, _plane.Time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await StepAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One round: notice nodes that came back or failed to, then switch off and wake what the decision says.</summary>
    public async Task StepAsync(CancellationToken cancellationToken)
    {
        var now = _plane.Time.GetUtcNow();
        var undrain = new List<string>();
        List<string> powerOff = [];
        List<string> wake = [];
        lock (_plane.Gate)
        {
            foreach (var node in _plane.Nodes.Values)
            {
                var state = StateOf(node.Name);
                if (state == NodePowerState.Waking && HeardSince(node, _states[node.Name].Since))
                {
                    state = NodePowerState.On;
                    SetState(node.Name, state, now, "On", "its agent is back after the power-on command");
                    undrain.Add(node.Name);
                }
                else if (state == NodePowerState.Waking && now - _states[node.Name].Since > _options.WakeTimeout)
                {
                    state = NodePowerState.PoweredOff;
                    BackOff(node.Name, now);
                    SetState(node.Name, state, now, "WakeFailed",
                        $"its agent did not heartbeat within {_options.WakeTimeout.TotalSeconds:0} s of the power-on command; trying again later");
                }
                else if (state == NodePowerState.PoweredOff && node.EffectiveState == NodeState.Ready)
                {
                    // Switched on by someone else (its agent heartbeated and it is Ready): take it as on.
                    state = NodePowerState.On;
                    SetState(node.Name, state, now, "On", "it came back by itself");
                }
            }
        }

        foreach (var name in undrain)
        {
            await SetDrainedAsync(name, false).ConfigureAwait(false);
        }

        // After the undrain: a node just back takes work, so the queue waiting for it wakes no other.
        lock (_plane.Gate)
        {
            Decide(now, powerOff, wake);
        }

        foreach (var name in wake)
        {
            var failure = await _on.RunAsync(name, _options.CommandTimeout, cancellationToken).ConfigureAwait(false);
            lock (_gate)
            {
                if (failure is null)
                {
                    SetState(name, NodePowerState.Waking, _plane.Time.GetUtcNow(), "Waking", "queued work needs it; ran the power-on command");
                }
                else
                {
                    BackOff(name, now);
                    Record(name, "WakeFailed", failure);
                }
            }
        }

        foreach (var name in powerOff)
        {
            if (!await SetDrainedAsync(name, true, requireIdle: true).ConfigureAwait(false))
            {
                continue;
            }

            var failure = await _off.RunAsync(name, _options.CommandTimeout, cancellationToken).ConfigureAwait(false);
            if (failure is null)
            {
                lock (_gate)
                {
                    SetState(name, NodePowerState.PoweredOff, _plane.Time.GetUtcNow(), "PoweredOff",
                        $"idle for {_options.PowerOffAfter.TotalSeconds:0} s; ran the power-off command");
                }
            }
            else
            {
                await SetDrainedAsync(name, false).ConfigureAwait(false);
                lock (_gate)
                {
                    Record(name, "PowerOffFailed", failure);
                }
            }
        }
    }

    /// <summary>Core's power-down decision (the simulator's) on the cluster as it is now: the nodes to switch off and to wake.
    /// Call under the model lock.</summary>
    /// <remarks>The controller is built afresh on a snapshot each round from the states kept here (nodes come and go; a wake
    /// ends when the agent is back, not after a fixed delay), so the idle clocks are read back after it decides. The queue it
    /// sees is every pending job not held back by quota, fair share or queue order (those waiting for room, and those no
    /// cycle has placed yet, so a node is not switched off under a job just submitted), highest priority first, then by
    /// submission. A node no such job would be placed on is switched off even while others wait: new work consolidates on
    /// nodes that are on.</remarks>
    private void Decide(DateTimeOffset now, List<string> powerOff, List<string> wake)
    {
        var mirror = ClusterMirror.Snapshot(_plane);
        var names = mirror.Names;
        var controller = new PowerDownController(mirror.Cluster,
            new PowerDownOptions { IdleThreshold = _options.PowerOffAfter, WakeDelay = _options.WakeTimeout, MinNodesOn = _options.MinNodesOn }, _policy);
        var clock = now - DateTimeOffset.UnixEpoch;
        for (var i = 0; i < names.Length; i++)
        {
            var state = StateOf(names[i]);
            if (state == NodePowerState.On)
            {
                controller.Restore(i, Core.Power.NodePowerState.On, _idleSince.TryGetValue(names[i], out var since) ? since - DateTimeOffset.UnixEpoch : null);
            }
            else if (state == NodePowerState.Waking)
            {
                // Expected back one wake timeout after the command at the latest; never "now", since only its heartbeat ends a wake here.
                var readyAt = _states[names[i]].Since + _options.WakeTimeout - DateTimeOffset.UnixEpoch;
                controller.Restore(i, Core.Power.NodePowerState.Waking, readyAt: readyAt > clock ? readyAt : clock + TimeSpan.FromTicks(1));
            }
            else
            {
                controller.Restore(i, Core.Power.NodePowerState.Off, mayWake: !_backOffUntil.TryGetValue(names[i], out var until) || now >= until);
            }
        }

        var waiting = _plane.PendingJobs.Select(id => _plane.Jobs[id])
            .Where(j => j.Reason?.Code is not { } code || WaitingForRoom.Contains(code))
            .OrderByDescending(j => j.Priority).ThenBy(j => j.Id)
            .Select(j => j.Requests).ToList();
        var decision = controller.Decide(clock, waiting);
        _idleSince.Clear();
        for (var i = 0; i < names.Length; i++)
        {
            if (controller.IdleSince(i) is { } idle)
            {
                _idleSince[names[i]] = DateTimeOffset.UnixEpoch + idle;
            }
        }

        powerOff.AddRange(decision.PowerOff.Select(i => names[i]));
        wake.AddRange(decision.Wake.Select(i => names[i]));
    }

    /// <summary>Whether the node's agent heartbeated after <paramref name="since"/> and the node is up.</summary>
    private static bool HeardSince(Node node, DateTimeOffset since) =>
        node.LastHeartbeat > since && !node.AwaitingHeartbeat && node.State != NodeState.Down;

    /// <summary>Drains (or undrains) a node for the controller; false when it is gone or, with <paramref name="requireIdle"/>,
    /// no longer idle and Ready.</summary>
    private async Task<bool> SetDrainedAsync(string name, bool drained, bool requireIdle = false)
    {
        try
        {
            return await _plane.MutateAsync(tx =>
            {
                if (!_plane.Nodes.TryGetValue(name, out var node))
                {
                    return false;
                }

                if (requireIdle && (node.EffectiveState != NodeState.Ready || _plane.TasksOn(name).Count > 0))
                {
                    return false;
                }

                var target = drained ? NodeState.Draining : NodeState.Ready;
                if (node.State == (drained ? NodeState.Ready : NodeState.Draining))
                {
                    node.State = target;
                    tx.UpsertNode(node);
                }

                return true;
            }).ConfigureAwait(false);
        }
        catch (Apis.ApiException e)
        {
            _log.LogWarning("power controller could not {Action} node {Node}: {Error}", drained ? "drain" : "undrain", name, e.Message);
            return false;
        }
    }

    private void BackOff(string node, DateTimeOffset now) => _backOffUntil[node] = now + _options.WakeTimeout;

    /// <summary>Sets a node's power state, stores it and records the event (call under <see cref="_gate"/> or the model lock).</summary>
    private void SetState(string node, NodePowerState state, DateTimeOffset since, string action, string message)
    {
        lock (_gate)
        {
            if (state == NodePowerState.On)
            {
                _states.Remove(node);
            }
            else
            {
                _states[node] = (state, since);
            }

            Record(node, action, message);
        }

        try
        {
            _store.SavePowerState(node, state.ToString(), since);
        }
        catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or IOException)
        {
            _log.LogWarning("could not store the power state of node {Node}: {Error}", node, e.Message);
        }
    }

    private void Record(string node, string action, string message)
    {
        lock (_gate)
        {
            _events.Enqueue(new PowerEvent { Time = _plane.Time.GetUtcNow(), Node = node, Action = action, Message = message });
            while (_events.Count > MaxEvents)
            {
                _events.Dequeue();
            }
        }

        _log.LogInformation("power: node {Node} {Action}: {Message}", node, action, message);
    }
}
