namespace Lepton.Core.Placement.Framework;

/// <summary>Chooses the node for one task: the policy's filters, then its score, then the tie-break rank.</summary>
internal abstract class PlacementPipeline
{
    /// <summary>The chosen node index, or -1 when no node passes every filter.</summary>
    public abstract int SelectNode(PlacementContext context, ref readonly TaskDemand task);
}

/// <summary>The scan for one filter chain and one score plugin, both structs: the JIT specialises and inlines them.</summary>
/// <remarks>
/// Nodes are compared by (tier, score, rank): tier 1 beats tier 0, a higher score beats a lower one, and a lower
/// per-run rank wins a tie (FGD-SPEC §2.4 step 5; the node index breaks a tie of explicit equal ranks). The tier
/// keeps a CPU-only task off GPU nodes whenever a node without GPUs can take it; openb has no CPU-only nodes, so
/// it never changes the published numbers.
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
        var cluster = context.Cluster;
        var ranks = context.Ranks;
        var gpuCount = cluster.GpuCount;
        var cpuOnly = !task.NeedsGpu;
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

            var tier = cpuOnly && gpuCount[i] > 0 ? 0 : 1;
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
}
