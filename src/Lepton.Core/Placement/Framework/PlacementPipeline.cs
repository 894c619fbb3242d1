namespace Lepton.Core.Placement.Framework;

/// <summary>Chooses the node for one task: the policy's filters, then its score, then the tie-break rank.</summary>
internal abstract class PlacementPipeline
{
    /// <summary>The chosen node index, or -1 when no node passes every filter.</summary>
    public abstract int SelectNode(PlacementContext context, ref readonly TaskDemand task);

    /// <summary>The score of one node, or null when it fails a filter (for tests and diagnostics).</summary>
    public abstract int? ScoreNode(PlacementContext context, int node, ref readonly TaskDemand task);
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
        if (classes is null)
        {
            return ScanNodes(context, in task);
        }

        classes.Sync();
        var ranks = context.Ranks;
        var gpuCount = context.Cluster.GpuCount;
        var cpuOnly = !task.NeedsGpu;
        var noFpga = task.Fpga == 0;
        var fpgaCap = context.Cluster.FpgaCap;
        var best = -1;
        var bestTier = -1;
        var bestScore = int.MinValue;
        var bestRank = int.MaxValue;
        var active = cpuOnly ? classes.Active : classes.WithFreeGpu;
        var count = cpuOnly ? classes.ActiveCount : classes.WithFreeGpuCount;
        for (var a = 0; a < count; a++)
        {
            var node = classes.Representative(active[a]);
            if (!_filter.Passes(context, node, in task))
            {
                continue;
            }

            var tier = Tier(cpuOnly, noFpga, gpuCount[node], fpgaCap[node]);
            if (tier < bestTier)
            {
                continue;
            }

            var s = _score.Score(context, node, in task);
            var r = ranks[node];
            if (tier > bestTier || s > bestScore || (s == bestScore && r < bestRank))
            {
                best = node;
                bestTier = tier;
                bestScore = s;
                bestRank = r;
            }
        }

        return best;
    }

    private int ScanNodes(PlacementContext context, ref readonly TaskDemand task)
    {
        var cluster = context.Cluster;
        var ranks = context.Ranks;
        var gpuCount = cluster.GpuCount;
        var cpuOnly = !task.NeedsGpu;
        var noFpga = task.Fpga == 0;
        var fpgaCap = context.Cluster.FpgaCap;
        var best = -1;
        var bestTier = -1;
        var bestScore = int.MinValue;
        var bestRank = int.MaxValue;
        var count = cluster.NodeCount;
        for (var i = 0; i < count; i++)
        {
            if (!_filter.Passes(context, i, in task))
            {
                continue;
            }

            var tier = Tier(cpuOnly, noFpga, gpuCount[i], fpgaCap[i]);
            if (tier < bestTier)
            {
                continue;
            }

            var s = _score.Score(context, i, in task);
            var r = ranks[i];
            if (tier > bestTier || s > bestScore || (s == bestScore && r < bestRank))
            {
                best = i;
                bestTier = tier;
                bestScore = s;
                bestRank = r;
            }
        }

        return best;
    }

    /// <summary>Keeps special hardware for tasks that need it: avoiding GPU nodes for a CPU-only task counts more than avoiding FPGA nodes.</summary>
    private static int Tier(bool cpuOnly, bool noFpga, int gpus, int fpgas) =>
        (cpuOnly && gpus > 0 ? 0 : 2) + (noFpga && fpgas > 0 ? 0 : 1);

    public override int? ScoreNode(PlacementContext context, int node, ref readonly TaskDemand task)
    {
        _score.Prepare(context, in task);
        return _filter.Passes(context, node, in task) ? _score.Score(context, node, in task) : null;
    }
}
