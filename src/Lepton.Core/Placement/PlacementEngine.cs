using Lepton.Core.Cluster;
using Lepton.Core.Placement.Framework;
using Lepton.Core.Placement.Plugins.Fgd;
using Lepton.Core.Topology;
using Lepton.Core.Workloads;

namespace Lepton.Core.Placement;

/// <summary>Places tasks on a <see cref="ClusterState"/> with one policy: choose (<see cref="TryPlace"/>), then commit.</summary>
/// <remarks>
/// <para>One engine is one run: its tie-break ranks and random source come from <see cref="PlacementOptions"/> and stay
/// fixed. When <see cref="PlacementOptions.NodeRanks"/> is null the ranks are a uniformly random permutation drawn
/// from <c>new Random(Seed)</c> (FGD-SPEC §2 step 5); the random policy draws from the same generator afterwards.</para>
/// <para>The cluster may also change from outside (departures, node failures through <see cref="ClusterState.Release"/>
/// and <see cref="ClusterState.SetState"/>); every cache is keyed by node version, so the next placement sees it.</para>
/// <para><see cref="TryPlace"/> followed by <see cref="Commit"/> allocates nothing.</para>
/// </remarks>
public sealed class PlacementEngine
{
    private readonly PlacementContext _context;
    private PlacementPipeline _pipeline;
    private FgdModel? _fgd;
    private TopologyPlacer? _topology;

    /// <summary>Creates an engine for <paramref name="cluster"/> running <paramref name="policy"/>.</summary>
    /// <exception cref="ArgumentException">Ranks of the wrong length, or <c>fgd</c> without a target workload.</exception>
    public PlacementEngine(ClusterState cluster, PlacementPolicy policy, PlacementOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(policy);
        options ??= new PlacementOptions();
        Cluster = cluster;
        Policy = policy;
        Options = options;
        var random = new Random(options.Seed);
        var n = cluster.NodeCount;
        int[] ranks;
        if (policy.TieBreakByNodeOrder)
        {
            ranks = [.. Enumerable.Range(0, n)];
        }
        else if (policy.TieBreakByNodeName)
        {
            // PWR-SPEC §2.3: ties go to the lexicographically smallest node name, whatever ranks the run was given.
            ranks = new int[n];
            var byName = Enumerable.Range(0, n).OrderBy(i => cluster.NodeAt(i).Name, StringComparer.Ordinal).ToArray();
            for (var r = 0; r < n; r++)
            {
                ranks[byName[r]] = r;
            }
        }
        else if (options.NodeRanks is { } given)
        {
            if (given.Count != n)
            {
                throw new ArgumentException($"NodeRanks has {given.Count} entries but the cluster has {n} nodes", nameof(options));
            }

            // Equal explicit ranks fall back to node order: rank · n + index keeps the order and makes ranks distinct.
            ranks = new int[n];
            var order = Enumerable.Range(0, n).OrderBy(i => given[i]).ThenBy(i => i).ToArray();
            for (var r = 0; r < n; r++)
            {
                ranks[order[r]] = r;
            }
        }
        else
        {
            ranks = [.. Enumerable.Range(0, n)];
            random.Shuffle(ranks);
        }

        _context = new PlacementContext(cluster, ranks, random) { PowerModel = options.PowerModel };
        if (policy.Grouping != NodeGrouping.None)
        {
            _context.Classes = new NodeClasses(cluster, ranks, policy.Grouping == NodeGrouping.ByStateAndTags);
        }

        if (policy.NeedsTargetWorkload)
        {
            var target = options.TargetWorkload ?? throw new ArgumentException(
                $"policy '{policy.Name}' needs PlacementOptions.TargetWorkload (its typical tasks); build one with TargetWorkload.FromTasks",
                nameof(options));
            _fgd = policy.FragmentationModel(cluster, target);
        }

        _pipeline = policy.CreatePipeline(_context, _fgd);
    }

    /// <summary>Turns off node equivalence classes, so every node is evaluated (a reference path for tests).</summary>
    internal void DisableNodeClasses() => _context.Classes = null;

    /// <summary>The cluster this engine places on.</summary>
    public ClusterState Cluster { get; }

    /// <summary>The policy in use.</summary>
    public PlacementPolicy Policy { get; }

    /// <summary>The options the engine was created with.</summary>
    public PlacementOptions Options { get; }

    /// <summary>The tie-break rank of each node (lower wins a tie).</summary>
    public IReadOnlyList<int> NodeRanks => _context.Ranks;

    /// <summary>Replaces FGD's target workload (e.g. when the server's mix of tasks changes); no effect on other policies.</summary>
    public void SetTargetWorkload(TargetWorkload target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (Policy.NeedsTargetWorkload)
        {
            _fgd = Policy.FragmentationModel(Cluster, target);
            _pipeline = Policy.CreatePipeline(_context, _fgd);
        }
    }

    /// <summary>Chooses a node and GPUs for <paramref name="task"/> without changing the cluster.</summary>
    /// <returns>False when no node can take the task now (see <see cref="Explain"/>).</returns>
    public bool TryPlace(TaskRequest task, out NodePlacement placement)
    {
        ArgumentNullException.ThrowIfNull(task);
        var demand = _context.Prepare(task);
        var node = _pipeline.SelectNode(_context, in demand);
        if (node < 0)
        {
            placement = default;
            return false;
        }

        placement = new NodePlacement(node, GpuSelector.Select(Policy.GpuSelection, _context, _fgd, node, in demand));
        return true;
    }

    /// <summary>The policy's integer score of <paramref name="node"/> for <paramref name="task"/>, or null when the node is infeasible.</summary>
    public int? ScoreOf(TaskRequest task, int node)
    {
        ArgumentNullException.ThrowIfNull(task);
        var demand = _context.Prepare(task);
        return _pipeline.ScoreNode(_context, node, in demand);
    }

    /// <summary>Allocates <paramref name="task"/> as placed (normally the result of <see cref="TryPlace"/>).</summary>
    public void Commit(TaskRequest task, NodePlacement placement) => Cluster.Allocate(placement.Node, task, placement.Gpus);

    /// <summary>Places and commits every replica of a gang, or none of them.</summary>
    /// <param name="replicas">The gang's tasks, placed in this order.</param>
    /// <param name="result">Receives each replica's placement (same order); at least as long as <paramref name="replicas"/>.</param>
    /// <returns>True when all were placed and committed; false leaves the cluster as it was.</returns>
    /// <remarks>A gang whose first replica asks for topology, data locality or a latency budget is placed one topology
    /// domain at a time (see <see cref="LastTopology"/> for what it kept or why it waits); any other gang takes the
    /// ordinary, allocation-free path.</remarks>
    public bool TryPlaceGang(IReadOnlyList<TaskRequest> replicas, Span<NodePlacement> result)
    {
        ArgumentNullException.ThrowIfNull(replicas);
        if (result.Length < replicas.Count)
        {
            throw new ArgumentException($"result has room for {result.Length} placements but the gang has {replicas.Count} replicas", nameof(result));
        }

        if (TopologyPlacer.Applies(replicas))
        {
            _topology ??= new TopologyPlacer(this, Options.Network ?? NetworkTopology.Default);
            return _topology.TryPlace(replicas, result);
        }

        return TryPlaceGangPlain(replicas, result);
    }

    /// <summary>The cluster's topology tree under the engine's network model (built on first use).</summary>
    public ClusterTopology Topology => (_topology ??= new TopologyPlacer(this, Options.Network ?? NetworkTopology.Default)).Topology;

    /// <summary>What the last topology-aware <see cref="TryPlaceGang"/> did (placed where, gave up what, or why it
    /// waits); null before any gang asked for topology.</summary>
    public TopologyOutcome? LastTopology => _topology?.Last;

    /// <summary>Places a gang replica by replica with no topology wish; all or nothing.</summary>
    internal bool TryPlaceGangPlain(IReadOnlyList<TaskRequest> replicas, Span<NodePlacement> result)
    {
        for (var i = 0; i < replicas.Count; i++)
        {
            if (!TryPlace(replicas[i], out result[i]))
            {
                for (var j = i - 1; j >= 0; j--)
                {
                    Cluster.Release(result[j].Node, replicas[j], result[j].Gpus);
                }

                return false;
            }

            Commit(replicas[i], result[i]);
        }

        return true;
    }

    /// <summary>How many nodes pass every constraint for <paramref name="task"/> now (what <see cref="Explain"/> calls feasible).</summary>
    public int CountFeasible(TaskRequest task)
    {
        ArgumentNullException.ThrowIfNull(task);
        var demand = _context.Prepare(task);
        var all = default(StandardFilters);
        var feasible = 0;
        for (var i = 0; i < Cluster.NodeCount; i++)
        {
            feasible += all.Passes(_context, i, in demand) ? 1 : 0;
        }

        return feasible;
    }

    /// <summary>Why <paramref name="task"/> cannot be placed now: for each constraint, how many nodes it rules out.</summary>
    /// <remarks>Each constraint is checked on every node on its own, so the counts say how binding each one is.
    /// The code is that of the constraint ruling out the most nodes (the first in filter order on ties).</remarks>
    public PendingReason Explain(TaskRequest task)
    {
        ArgumentNullException.ThrowIfNull(task);
        var demand = _context.Prepare(task);
        var n = Cluster.NodeCount;
        if (n == 0)
        {
            return new PendingReason("NoNodes", "no nodes in the cluster", []);
        }

        var rejections = new List<ConstraintRejection>();
        IFilterPlugin? main = null;
        var mainRuledOut = 0;
        foreach (var filter in StandardFilters.Ordered)
        {
            var passing = 0;
            for (var i = 0; i < n; i++)
            {
                passing += filter.Passes(_context, i, in demand) ? 1 : 0;
            }

            if (passing < n)
            {
                rejections.Add(new ConstraintRejection(filter.Constraint, n - passing, n, filter.Describe(in demand, passing, n)));
                if (n - passing > mainRuledOut)
                {
                    main = filter;
                    mainRuledOut = n - passing;
                }
            }
        }

        var feasible = 0;
        var all = default(StandardFilters);
        for (var i = 0; i < n; i++)
        {
            feasible += all.Passes(_context, i, in demand) ? 1 : 0;
        }

        if (feasible > 0)
        {
            return new PendingReason("Schedulable", $"{feasible} of {n} nodes can take task '{task.Name}' now", rejections);
        }

        if (main is null)
        {
            return new PendingReason("Unschedulable", $"no node passes every constraint for task '{task.Name}'", rejections);
        }

        var message = rejections.Count == 1
            ? rejections[0].Message
            : string.Join("; ", rejections.Select(r => r.Message));
        if (mainRuledOut < n)
        {
            message = "no node meets every constraint at once: " + message;
        }

        return new PendingReason(main.Code, message, rejections);
    }
}
