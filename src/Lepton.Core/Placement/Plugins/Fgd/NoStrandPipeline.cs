using Lepton.Core.Cluster;
using Lepton.Core.Placement.Framework;

namespace Lepton.Core.Placement.Plugins.Fgd;

/// <summary>
/// The scan of <c>fgd-nostrand</c>: FGD (scarcity-weighted, as <c>fgd-scarcity</c>) for GPU tasks; a CPU-only task goes,
/// among the nodes FGD scores best, to the node with the fewest free GPU milli, then the most CPU left, then the lowest rank.
/// </summary>
/// <remarks>
/// <para><b>Why.</b> FGD scores a CPU-only task by how much its CPU would starve the typical GPU tasks of a node. On every
/// node whose CPU stays ample, and on every node whose GPUs are all taken, that growth is 0, so FGD scores them all alike
/// and the random node rank decides: a CPU-only pod lands on a node with idle GPUs as often as on one whose GPUs are all
/// busy. Late in a run the CPU it took there is what a GPU task misses: on the openb traces most GPU pods that fail before
/// 100 % arrived fail for CPU on a node that still has the GPU, or find only GPU fragments on nodes whose CPU is gone (a
/// throwaway diagnostic counted the failures by cause). Among FGD's best nodes a CPU-only pod therefore goes where it
/// strands the least GPU: a node with no free GPU first, then the fewest free GPU milli; among those the node with the
/// most CPU left, so the leftover CPU of busy nodes is not cut into pieces too small for the next CPU-only pod. The rule
/// uses only the current cluster state (one decision per arriving task, nothing about the future).</para>
/// <para>GPU tasks are placed exactly as by <c>fgd-scarcity</c> (FGD where no class is shut out by a GPU model): every
/// tie-break tried for them (packing, spreading, CPU surplus, least CPU left) or a best-fit GPU choice lost on several
/// traces, and CPU surplus as the CPU-only key (instead of fewest free GPU) lost up to 1.6 pp on <c>cpu250</c>.</para>
/// <para>Like <see cref="PlacementPipeline{TFilter, TScore}"/> it evaluates one representative per node class (the class's
/// lowest-rank node; members share free state, so they share every key) and allocates nothing per task.</para>
/// </remarks>
internal sealed class NoStrandPipeline(FgdModel fgd) : PlacementPipeline
{
    /// <summary>Share θ of the average memory per GPU that a node's free GPUs must keep after a GPU task (tuned on seeds 42–51: 0.5, 0.75, 1).</summary>
    internal const double MemoryShare = 0.75;

    // Memory and GPU milli of every GPU task seen so far (placed or not): the online memory-per-GPU estimate.
    private double _seenMemMiB;
    private double _seenGpuMilli;

    /// <summary>Average memory (MiB) per whole GPU of the GPU tasks seen so far; 0 before the first.</summary>
    internal double MemoryPerGpuMiB => _seenGpuMilli > 0 ? _seenMemMiB * ClusterState.MilliPerGpu / _seenGpuMilli : 0;

    public override int SelectNode(PlacementContext context, ref readonly TaskDemand task)
    {
        fgd.BeforeTask();
        if (task.NeedsGpu)
        {
            _seenMemMiB += task.Mem;
            _seenGpuMilli += task.TotalGpu;
        }

        var best = Candidate.None;
        var classes = context.Classes;
        if (classes is null || (task.MaxPerNode > 0 && context.Cluster.AnyNodeAtLimit(task.Group, task.MaxPerNode)))
        {
            for (var i = 0; i < context.Cluster.NodeCount; i++)
            {
                Offer(ref best, context, i, in task);
            }

            return best.Node;
        }

        classes.Sync();
        var cpuOnly = !task.NeedsGpu;
        var active = cpuOnly ? classes.Active : classes.WithFreeGpu;
        var count = cpuOnly ? classes.ActiveCount : classes.WithFreeGpuCount;
        for (var a = 0; a < count; a++)
        {
            Offer(ref best, context, classes.Representative(active[a]), in task);
        }

        return best.Node;
    }

    public override int? ScoreNode(PlacementContext context, int node, ref readonly TaskDemand task)
    {
        fgd.BeforeTask();
        return default(StandardFilters).Passes(context, node, in task) ? fgd.Score(node, in task) : null;
    }

    /// <summary>The key of a GPU task: 1 when the node's GPUs left free keep at least θ of the average memory per GPU
    /// (or less than one GPU is left free), else 0.</summary>
    internal static long MemoryKey(int freeGpuMilliAfter, long memLeftMiBAfter, double memPerGpuMiB) =>
        freeGpuMilliAfter < ClusterState.MilliPerGpu
            || memLeftMiBAfter * (double)ClusterState.MilliPerGpu >= freeGpuMilliAfter * memPerGpuMiB * MemoryShare ? 1 : 0;

    /// <summary>The strand key of a CPU-only task (higher is better): fewer free GPU milli first, then more CPU left.</summary>
    internal static long StrandKey(int freeGpuMilli, long cpuLeftMilli) => ((long)(int.MaxValue - freeGpuMilli) << 32) | (uint)Math.Clamp(cpuLeftMilli, 0, uint.MaxValue);

    private void Offer(ref Candidate best, PlacementContext context, int node, ref readonly TaskDemand task)
    {
        if (!default(StandardFilters).Passes(context, node, in task))
        {
            return;
        }

        var c = context.Cluster;
        var tier = Tier(c, node, in task);
        if (tier < best.Tier)
        {
            return;
        }

        var score = fgd.Score(node, in task);
        var key = task.NeedsGpu
            ? MemoryKey(c.GpuFreeTotal[node] - task.TotalGpu, c.MemCap[node] - c.MemUsed[node] - task.Mem, MemoryPerGpuMiB)
            : StrandKey(c.GpuFreeTotal[node], c.CpuCap[node] - c.CpuUsed[node] - task.Cpu);
        var rank = context.Ranks[node];
        if (tier > best.Tier || score > best.Score || (score == best.Score && (key > best.Key || (key == best.Key && rank < best.Rank))))
        {
            best = new Candidate(node, tier, score, key, rank);
        }
    }

    /// <summary>The best node of a scan so far; <see cref="None"/> before any node passed the filters.</summary>
    private readonly record struct Candidate(int Node, int Tier, int Score, long Key, int Rank)
    {
        public static Candidate None => new(-1, -1, int.MinValue, long.MinValue, int.MaxValue);
    }
}
