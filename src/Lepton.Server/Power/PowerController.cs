using Lepton.Client.Contracts;
using Lepton.Core.Cluster;
using Lepton.Core.Queueing;
using Lepton.Server.Model;
using Lepton.Server.Persistence;
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
    private static readonly string[] WaitingForRoom =
        [QueueReasonCodes.Unschedulable, QueueReasonCodes.NeverFits, QueueReasonCodes.NoNodes, QueueReasonCodes.GangIncomplete];

    private readonly ControlPlane _plane;
    private readonly IUsageStore _store;
    private readonly PowerCommand _off;
    private readonly PowerCommand _on;
    private readonly PowerControllerOptions _options;
    private readonly ILogger _log;
    private readonly IdlePowerDecision _decision;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (NodePowerState State, DateTimeOffset Since)> _states = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _backOffUntil = new(StringComparer.Ordinal);
    private readonly Queue<PowerEvent> _events = new();

    public PowerController(ControlPlane plane, IUsageStore store, PowerControllerOptions options, ILogger<PowerController> log)
    {
        _plane = plane;
        _store = store;
        _options = options;
        _log = log;
        _off = new PowerCommand(options.PowerOffCommand);
        _on = new PowerCommand(options.PowerOnCommand);
        _decision = new IdlePowerDecision(options.PowerOffAfter);
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
        List<IdlePowerDecision.NodeFacts> facts;
        List<IdlePowerDecision.Demand> demands;
        lock (_plane.Gate)
        {
            facts = new List<IdlePowerDecision.NodeFacts>(_plane.Nodes.Count);
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

                facts.Add(new IdlePowerDecision.NodeFacts(node.ToSpec() with { State = node.EffectiveState },
                    node.EffectiveState == NodeState.Ready, _plane.TasksOn(node.Name).Count == 0, state,
                    !_backOffUntil.TryGetValue(node.Name, out var until) || now >= until));
            }

            demands = [];
            foreach (var id in _plane.PendingJobs.Order())
            {
                var job = _plane.Jobs[id];
                if (job.Reason?.Code is { } code && WaitingForRoom.Contains(code))
                {
                    demands.Add(new IdlePowerDecision.Demand(job.Requests[0], job.Replicas));
                }
            }

            demands.Sort((a, b) => b.Request.Priority.CompareTo(a.Request.Priority));
        }

        foreach (var name in undrain)
        {
            await SetDrainedAsync(name, false).ConfigureAwait(false);
        }

        var (powerOff, wake) = _decision.Decide(now, facts, demands);
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
