using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Workloads;

namespace Lepton.Core.Power;

/// <summary>Decides which idle nodes to power off and which to wake for the queue; the simulator and the live server both
/// drive their power commands from it.</summary>
/// <remarks>
/// <para>State: each node is On, Off or Waking (<see cref="NodePowerState"/>). Off and Waking nodes are kept in state
/// <see cref="NodeState.Down"/> on the <see cref="ClusterState"/>, so no placement uses them: new work consolidates onto
/// nodes that are on. The controller only ever changes the state of nodes it powered off itself.</para>
/// <para>Each <see cref="Decide"/>: (1) Waking nodes whose delay has passed become On (Ready). (2) Wake: the scheduling
/// cycles to come are replayed on a what-if cluster with the run's own policy: at each Waking node's ready time, earliest
/// first, the node comes on and the waiting jobs, in queue order, are placed; the jobs still left are placed with every
/// Off node on too, and every Off node one lands on is woken. A job that could run if the off nodes were on therefore
/// never waits for them longer than the wake-up delay, even when an earlier job takes the first node that wakes. A gang
/// is placed on Waking and Off nodes alone where it fits there: room on nodes that are on is not held for it, and a job
/// arriving meanwhile would take it. (3) Power off: On nodes with nothing allocated for at least the idle threshold that no
/// waiting job landed on in (2), keeping <see cref="PowerDownOptions.MinNodesOn"/> nodes on.</para>
/// <para>The what-if placements are committed on the real cluster state and released again before the call returns,
/// so the call leaves allocations exactly as it found them.</para>
/// </remarks>
public sealed class PowerDownController
{
    private readonly ClusterState _cluster;
    private readonly PlacementPolicy _policy;
    private readonly PlacementOptions _placement;
    private readonly NodePowerState[] _state;
    private readonly TimeSpan?[] _idleSince;
    private readonly TimeSpan[] _readyAt;
    private readonly bool[] _holdOff;

    /// <summary>A controller for <paramref name="cluster"/>; every node starts On and idle-timed from the first decision.</summary>
    /// <param name="cluster">The cluster; its Ready/Down states are changed for nodes powered off and on.</param>
    /// <param name="options">Threshold, wake delay, nodes kept on.</param>
    /// <param name="policy">The placement policy used to decide which nodes the queue needs (the scheduler's own).</param>
    /// <param name="placement">The scheduler's placement options (seed, FGD target workload).</param>
    public PowerDownController(ClusterState cluster, PowerDownOptions options, PlacementPolicy policy, PlacementOptions? placement = null)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(policy);
        if (options.IdleThreshold < TimeSpan.Zero || options.WakeDelay < TimeSpan.Zero || options.MinNodesOn < 0)
        {
            throw new ArgumentException("idle threshold, wake delay and nodes kept on must not be negative", nameof(options));
        }

        _cluster = cluster;
        Options = options;
        _policy = policy;
        _placement = placement ?? new PlacementOptions();
        _state = new NodePowerState[cluster.NodeCount];
        _idleSince = new TimeSpan?[cluster.NodeCount];
        _readyAt = new TimeSpan[cluster.NodeCount];
        _holdOff = new bool[cluster.NodeCount];
    }

    /// <summary>The thresholds in use.</summary>
    public PowerDownOptions Options { get; }

    /// <summary>The node's power state.</summary>
    public NodePowerState StateOf(int node) => _state[node];

    /// <summary>When the Waking node becomes ready (meaningless for other states).</summary>
    public TimeSpan ReadyAt(int node) => _readyAt[node];

    /// <summary>Since when the On node has been idle (Ready, nothing allocated); null when it is busy, not Ready or not On.</summary>
    public TimeSpan? IdleSince(int node) => _idleSince[node];

    /// <summary>Sets one node's power state as the caller knows it, for a caller that keeps the states itself between
    /// decisions (the live server: its nodes come and go, its wakes end when the agent is back, and it remembers the states
    /// across restarts) and builds a controller on a fresh cluster for each one.</summary>
    /// <param name="node">The node index.</param>
    /// <param name="state">Its power state; an Off or Waking node is put Down on the cluster so no placement uses it.</param>
    /// <param name="idleSince">For an On node, since when it has been idle (null: busy, or not known yet).</param>
    /// <param name="readyAt">For a Waking node, when it is expected to take work.</param>
    /// <param name="mayWake">False keeps an Off node off whatever the queue needs (a failed wake backing off).</param>
    public void Restore(int node, NodePowerState state, TimeSpan? idleSince = null, TimeSpan readyAt = default, bool mayWake = true)
    {
        _state[node] = state;
        _idleSince[node] = state == NodePowerState.On ? idleSince : null;
        _readyAt[node] = readyAt;
        _holdOff[node] = !mayWake;
        if (state != NodePowerState.On)
        {
            _cluster.SetState(node, NodeState.Down);
        }
    }

    /// <summary>Number of nodes in <paramref name="state"/>.</summary>
    public int Count(NodePowerState state) => _state.Count(s => s == state);

    /// <summary>Makes the decision at <paramref name="now"/> for the jobs still waiting after the scheduling cycle.</summary>
    /// <param name="now">The clock (virtual in the simulator, real on the server).</param>
    /// <param name="waiting">The waiting jobs in queue order, each the replicas of one gang (placed all or nothing).</param>
    public PowerDownDecision Decide(TimeSpan now, IReadOnlyList<IReadOnlyList<TaskRequest>> waiting)
    {
        ArgumentNullException.ThrowIfNull(waiting);
        var n = _cluster.NodeCount;
        var ready = CompleteWakes(now);
        for (var i = 0; i < n; i++)
        {
            if (_state[i] == NodePowerState.On)
            {
                _idleSince[i] = _cluster.TaskCount(i) == 0 && _cluster.StateOf(i) == NodeState.Ready ? _idleSince[i] ?? now : null;
            }
        }

        var (wake, needed) = WhatIf(waiting);
        foreach (var i in wake)
        {
            _state[i] = NodePowerState.Waking;
            _readyAt[i] = now + Options.WakeDelay;
        }

        var off = new List<int>();
        var on = _state.Count(s => s == NodePowerState.On);
        for (var i = 0; i < n && on > Options.MinNodesOn; i++)
        {
            if (_state[i] == NodePowerState.On && _idleSince[i] is { } since && now - since >= Options.IdleThreshold && !needed.Contains(i)
                && _cluster.StateOf(i) == NodeState.Ready)
            {
                _state[i] = NodePowerState.Off;
                _idleSince[i] = null;
                _cluster.SetState(i, NodeState.Down);
                off.Add(i);
                on--;
            }
        }

        TimeSpan? next = null;
        for (var i = 0; i < n; i++)
        {
            TimeSpan? at = _state[i] switch
            {
                NodePowerState.Waking => _readyAt[i],
                NodePowerState.On when _idleSince[i] is { } since => since + Options.IdleThreshold,
                _ => null,
            };
            if (at is { } t && t > now && (next is null || t < next))
            {
                next = t;
            }
        }

        return new PowerDownDecision(off, wake, ready, next);
    }

    /// <summary>Turns Waking nodes whose delay has passed On (Ready); call it before a scheduling cycle so the cycle can use them.</summary>
    /// <returns>The nodes that became ready.</returns>
    public IReadOnlyList<int> CompleteWakes(TimeSpan now)
    {
        var ready = new List<int>();
        for (var i = 0; i < _state.Length; i++)
        {
            if (_state[i] == NodePowerState.Waking && _readyAt[i] <= now)
            {
                _state[i] = NodePowerState.On;
                _idleSince[i] = null;
                _cluster.SetState(i, NodeState.Ready);
                ready.Add(i);
            }
        }

        return ready;
    }

    /// <summary>Replays what the scheduler will do with the waiting jobs if nothing else happens: at each Waking node's ready
    /// time (earliest first) that node comes on and the jobs still waiting are placed, in queue order, as the scheduling
    /// cycle at that instant would place them; the jobs still left are then placed with every Off node on as well.</summary>
    /// <returns>The Off nodes the last step needs (to wake now) and every node any step uses (not to power off).</returns>
    /// <remarks>Placing all waiting jobs at once on a cluster with every Waking node on (the first version) assumed each
    /// job gets the node the what-if gave it. It does not: when the first woken node comes on, the cycle gives it to the
    /// first job in queue order that fits, which may be a job the what-if had sent to a node that wakes later, and the
    /// job the what-if had sent to the first node then waits for a node woken only now (openb default, 600 s idle,
    /// 180 s wake-up: one pod waited 259 s). Replaying the ready times in order predicts that, so the node is woken when
    /// the job is first seen waiting, and a job that fits a node already waking is not given a second one.</remarks>
    private (List<int> Wake, HashSet<int> Used) WhatIf(IReadOnlyList<IReadOnlyList<TaskRequest>> waiting)
    {
        var wake = new List<int>();
        var used = new HashSet<int>();
        if (waiting.Count == 0)
        {
            return (wake, used);
        }

        // Lift steps: the Waking nodes grouped by ready time, earliest first, then every Off node.
        var waking = new List<int>();
        var off = new List<int>();
        for (var i = 0; i < _cluster.NodeCount; i++)
        {
            if (_state[i] == NodePowerState.Waking && _cluster.StateOf(i) == NodeState.Down)
            {
                waking.Add(i);
            }
            else if (_state[i] == NodePowerState.Off && _cluster.StateOf(i) == NodeState.Down && !_holdOff[i])
            {
                off.Add(i);
            }
        }

        waking.Sort((a, b) => _readyAt[a] != _readyAt[b] ? _readyAt[a].CompareTo(_readyAt[b]) : a.CompareTo(b));
        var lifted = new List<int>();
        var placed = new List<(TaskRequest Task, NodePlacement Placement)>();
        var left = new List<IReadOnlyList<TaskRequest>>(waiting);
        try
        {
            var engine = new PlacementEngine(_cluster, _policy, _placement);
            var k = 0;
            while (k < waking.Count && left.Count > 0)
            {
                var at = _readyAt[waking[k]];
                for (; k < waking.Count && _readyAt[waking[k]] == at; k++)
                {
                    Lift(waking[k]);
                }

                PlaceLeft(engine);
            }

            if (left.Count > 0 && off.Count > 0)
            {
                foreach (var i in off)
                {
                    Lift(i);
                }

                PlaceLeft(engine);
            }
        }
        finally
        {
            for (var k = placed.Count - 1; k >= 0; k--)
            {
                _cluster.Release(placed[k].Placement.Node, placed[k].Task, placed[k].Placement.Gpus);
            }

            foreach (var i in lifted)
            {
                _cluster.SetState(i, NodeState.Down);
            }
        }

        return (wake, used);

        // A gang that needs a node to wake is first placed on Waking and Off nodes only: room it would take on nodes that are
        // on now is not held for it, and a job arriving meanwhile that fits there starts at once (backfill) and takes it.
        bool TryPlaceOnWaking(PlacementEngine engine, IReadOnlyList<TaskRequest> gang, NodePlacement[] result)
        {
            var hidden = new List<int>();
            for (var i = 0; i < _state.Length; i++)
            {
                if (_state[i] == NodePowerState.On && _cluster.StateOf(i) == NodeState.Ready)
                {
                    _cluster.SetState(i, NodeState.Down);
                    hidden.Add(i);
                }
            }

            try
            {
                return engine.TryPlaceGang(gang, result);
            }
            finally
            {
                foreach (var i in hidden)
                {
                    _cluster.SetState(i, NodeState.Ready);
                }
            }
        }

        void Lift(int node)
        {
            _cluster.SetState(node, NodeState.Ready);
            lifted.Add(node);
        }

        // One scheduling cycle's greedy pass over the jobs still waiting, in queue order; those placed leave the list.
        void PlaceLeft(PlacementEngine engine)
        {
            var kept = 0;
            for (var g = 0; g < left.Count; g++)
            {
                var gang = left[g];
                var result = new NodePlacement[gang.Count];
                if (!(gang.Count > 1 && TryPlaceOnWaking(engine, gang, result)) && !engine.TryPlaceGang(gang, result))
                {
                    left[kept++] = gang;
                    continue;
                }

                for (var r = 0; r < gang.Count; r++)
                {
                    placed.Add((gang[r], result[r]));
                    var node = result[r].Node;
                    used.Add(node);
                    if (_state[node] == NodePowerState.Off && !wake.Contains(node))
                    {
                        wake.Add(node);
                    }
                }
            }

            left.RemoveRange(kept, left.Count - kept);
        }
    }
}
