using System.Runtime.CompilerServices;
using Lepton.Core.Cluster;

namespace Lepton.Core.Placement.Framework;

/// <summary>Chooses the node for one task: the policy's filters, then its score, then the tie-break rank.</summary>
internal abstract class PlacementPipeline
{
    /// <summary>The chosen node index, or -1 when no node passes every filter.</summary>
    public abstract int SelectNode(PlacementContext context, ref readonly TaskDemand task);

    /// <summary>The score of one node, or null when it fails a filter (for tests and diagnostics).</summary>
    public abstract int? ScoreNode(PlacementContext context, int node, ref readonly TaskDemand task);

    /// <summary>Keeps special hardware for tasks that need it: avoiding GPU nodes for a CPU-only task counts more than avoiding FPGA nodes.</summary>
    /// <remarks>Shared by every scan (the power pipelines too), so that all policies keep special hardware alike.</remarks>
    protected static int Tier(ClusterState cluster, int node, ref readonly TaskDemand task) =>
        (!task.NeedsGpu && cluster.GpuCount[node] > 0 ? 0 : 2) + (task.Fpga == 0 && cluster.FpgaCap[node] > 0 ? 0 : 1);
}

/// <summary>The scan for one filter chain and one score plugin, both structs: the JIT specialises and inlines them.</summary>
/// <remarks>
/// Nodes are compared by (tier, score, rank): a higher tier wins, then a higher score, and a lower per-run rank
/// wins a tie (FGD-SPEC §2.4 step 5). The tier keeps a CPU-only task off GPU nodes whenever a node without GPUs can
/// take it, and a task without FPGA off FPGA nodes likewise; openb has no CPU-only and no FPGA nodes, so the tier is
/// the same for every openb node and never changes the published numbers.
/// When the context has <see cref="NodeClasses"/>, only each class's representative (its lowest-rank node) is
/// evaluated: every member would get the same filter result and score, and the representative wins their tie.
/// </remarks>
internal sealed class PlacementPipeline<TFilter, TScore>(TFilter filter, TScore score) : PlacementPipeline
    where TFilter : struct, IFilterPlugin
    where TScore : struct, IScorePlugin
{
    private readonly TFilter _filter = filter;
    private readonly TScore _score = score;

    public override int SelectNode(PlacementContext context, ref readonly TaskDemand task)
    {
        _score.Prepare(context, in task);
        var classes = context.Classes;
        // Nodes of one class may hold different numbers of the task's replicas: once some node has reached the task's
        // per-node limit, the limit filter may tell class members apart, so every node is looked at.
        if (classes is null || (task.MaxPerNode > 0 && context.Cluster.AnyNodeAtLimit(task.Group, task.MaxPerNode)))
        {
            return ScanNodes(context, in task);
        }

        classes.Sync();
        var best = Candidate.None;
        var cpuOnly = !task.NeedsGpu;
        var active = cpuOnly ? classes.Active : classes.WithFreeGpu;
        var count = cpuOnly ? classes.ActiveCount : classes.WithFreeGpuCount;
        for (var a = 0; a < count; a++)
        {
            Offer(ref best, context, classes.Representative(active[a]), in task);
        }

        return best.Node;
    }

    private int ScanNodes(PlacementContext context, ref readonly TaskDemand task)
    {
        var best = Candidate.None;
        var count = context.Cluster.NodeCount;
        for (var i = 0; i < count; i++)
        {
            Offer(ref best, context, i, in task);
        }

        return best.Node;
    }

    /// <summary>Evaluates <paramref name="node"/> and keeps it in <paramref name="best"/> when it beats the best so far by (tier, score, rank).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Offer(ref Candidate best, PlacementContext context, int node, ref readonly TaskDemand task)
    {
        if (!_filter.Passes(context, node, in task))
        {
            return;
        }

        var tier = Tier(context.Cluster, node, in task);
        if (tier < best.Tier)
        {
            return;
        }

        // The score is computed only for nodes that can still win on tier: it is the expensive step.
        var s = _score.Score(context, node, in task);
        var r = context.Ranks[node];
        if (tier > best.Tier || s > best.Score || (s == best.Score && r < best.Rank))
        {
            best = new Candidate(node, tier, s, r);
        }
    }

    /// <summary>The best node of a scan so far; <see cref="None"/> before any node passed the filters.</summary>
    private readonly record struct Candidate(int Node, int Tier, int Score, int Rank)
    {
        public static Candidate None => new(-1, -1, int.MinValue, int.MaxValue);
    }

    public override int? ScoreNode(PlacementContext context, int node, ref readonly TaskDemand task)
    {
        _score.Prepare(context, in task);
        return _filter.Passes(context, node, in task) ? _score.Score(context, node, in task) : null;
    }
}
