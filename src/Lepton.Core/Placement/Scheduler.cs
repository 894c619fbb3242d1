using Lepton.Core.Cluster;
using Lepton.Core.Workloads;

namespace Lepton.Core.Placement;

/// <summary>Embeddable placement without a server: add nodes and tasks, then <see cref="Schedule"/>.</summary>
/// <example>
/// <code>
/// var result = new Scheduler("bestfit")
///     .AddNode(new NodeSpec { Name = "gpu-1", CpuMilli = 32000, MemoryMiB = 131072, GpuCount = 4, GpuModel = "A100" })
///     .AddTask(new TaskRequest { Name = "train", CpuMilli = 8000, MemoryMiB = 32768, GpuCount = 2, GpuMilliPerGpu = 1000 })
///     .Schedule();
/// </code>
/// </example>
/// <remarks>
/// Tasks are placed in input order, higher priority first when priorities differ (a stable sort, so equal
/// priorities keep input order). Tasks that share a gang id are placed together, all or nothing, when the gang's
/// first member (in that order) comes up. Each call to <see cref="Schedule"/> starts from empty nodes.
/// </remarks>
public sealed class Scheduler
{
    private readonly List<NodeSpec> _nodes = [];
    private readonly List<TaskRequest> _tasks = [];
    private readonly PlacementPolicy _policy;
    private readonly PlacementOptions _options;

    /// <summary>Creates a scheduler for the named policy.</summary>
    /// <exception cref="UnknownPolicyException">The policy name is not known.</exception>
    public Scheduler(string policy = "bestfit", PlacementOptions? options = null)
    {
        _policy = PolicyRegistry.Get(policy);
        _options = options ?? new PlacementOptions();
    }

    /// <summary>Adds a node.</summary>
    public Scheduler AddNode(NodeSpec node)
    {
        ArgumentNullException.ThrowIfNull(node);
        _nodes.Add(node);
        return this;
    }

    /// <summary>Adds a task.</summary>
    public Scheduler AddTask(TaskRequest task)
    {
        ArgumentNullException.ThrowIfNull(task);
        _tasks.Add(task);
        return this;
    }

    /// <summary>Places every task and returns each task's node and GPUs or pending reason, in input order.</summary>
    public PlacementResult Schedule()
    {
        var cluster = new ClusterState(_nodes);
        var options = _options.TargetWorkload is null && _policy.NeedsTargetWorkload
            ? _options with { TargetWorkload = TargetWorkload.FromTasks(_tasks) }
            : _options;
        var engine = new PlacementEngine(cluster, _policy, options);
        var results = new TaskPlacement?[_tasks.Count];
        var order = Enumerable.Range(0, _tasks.Count).OrderByDescending(i => _tasks[i].Priority).ToArray();
        var gangs = _tasks.Select((t, i) => (t, i)).Where(x => x.t.Gang is not null)
            .GroupBy(x => x.t.Gang!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(x => x.i).ToArray(), StringComparer.Ordinal);

        foreach (var i in order)
        {
            if (results[i] is not null)
            {
                continue;
            }

            var task = _tasks[i];
            if (task.Gang is { } gang)
            {
                PlaceGang(engine, gangs[gang], order, results);
                continue;
            }

            if (Topology.TopologyPlacer.Applies([task]))
            {
                // Data locality or a latency budget: placed like a gang of one, so that topology-aware placement sees it.
                PlaceGang(engine, [i], order, results);
                continue;
            }

            results[i] = engine.TryPlace(task, out var placement)
                ? Placed(engine, task, placement)
                : new TaskPlacement(task, null, [], engine.Explain(task));
        }

        var capacity = cluster.TotalCapacity;
        var allocated = cluster.TotalAllocated;
        var summary = new PlacementSummary(_tasks.Count, results.Count(r => r!.IsPlaced),
            Pct(allocated.GpuMilli, capacity.GpuMilli), Pct(allocated.CpuMilli, capacity.CpuMilli), Pct(allocated.MemoryMiB, capacity.MemoryMiB));
        return new PlacementResult(_policy.Name, [.. results.Select(r => r!)], summary);
    }

    private void PlaceGang(PlacementEngine engine, int[] members, int[] order, TaskPlacement?[] results)
    {
        // Members go in the scheduling order (priority, then input order).
        var position = new Dictionary<int, int>();
        for (var k = 0; k < order.Length; k++)
        {
            position[order[k]] = k;
        }

        var sorted = members.OrderBy(m => position[m]).ToArray();
        var replicas = sorted.Select(m => _tasks[m]).ToArray();
        var placements = new NodePlacement[replicas.Length];
        if (engine.TryPlaceGang(replicas, placements))
        {
            for (var k = 0; k < sorted.Length; k++)
            {
                results[sorted[k]] = new TaskPlacement(replicas[k], engine.Cluster.NodeAt(placements[k].Node).Name, placements[k].Gpus.ToArray(), null)
                {
                    Topology = Topology.TopologyPlacer.Applies(replicas) ? engine.LastTopology?.Message : null,
                };
            }

            return;
        }

        if (Topology.TopologyPlacer.Applies(replicas) && engine.LastTopology is { Placed: false } topology)
        {
            // The level or constraint that holds the gang back, rather than one replica's per-node counts.
            foreach (var m in sorted)
            {
                results[m] = new TaskPlacement(_tasks[m], null, [], new PendingReason("TopologyUnsatisfied", topology.Message, []));
            }

            return;
        }

        // Find the first replica that does not fit once the ones before it are placed, to name it in every reason.
        var blocker = FirstBlocked(engine, replicas, out var blockerReason);
        foreach (var m in sorted)
        {
            var own = m == sorted[blocker] ? blockerReason : null;
            var reason = new PendingReason(
                own?.Code ?? "GangIncomplete",
                $"gang '{_tasks[m].Gang}' ({replicas.Length} replicas) is placed all or nothing and replica '{replicas[blocker].Name}' cannot be placed: {blockerReason.Message}",
                blockerReason.Rejections);
            results[m] = new TaskPlacement(_tasks[m], null, [], reason);
        }
    }

    private static int FirstBlocked(PlacementEngine engine, TaskRequest[] replicas, out PendingReason reason)
    {
        var placed = new List<(int Index, NodePlacement Placement)>();
        var blocker = 0;
        reason = new PendingReason("GangIncomplete", "the gang does not fit", []);
        for (var k = 0; k < replicas.Length; k++)
        {
            if (!engine.TryPlace(replicas[k], out var p))
            {
                blocker = k;
                reason = engine.Explain(replicas[k]);
                break;
            }

            engine.Commit(replicas[k], p);
            placed.Add((k, p));
        }

        for (var j = placed.Count - 1; j >= 0; j--)
        {
            engine.Cluster.Release(placed[j].Placement.Node, replicas[placed[j].Index], placed[j].Placement.Gpus);
        }

        return blocker;
    }

    private static TaskPlacement Placed(PlacementEngine engine, TaskRequest task, NodePlacement placement)
    {
        engine.Commit(task, placement);
        return new TaskPlacement(task, engine.Cluster.NodeAt(placement.Node).Name, placement.Gpus.ToArray(), null);
    }

    private static double Pct(long part, long whole) => whole == 0 ? 0 : 100.0 * part / whole;
}
