using Lepton.Core.Cluster;
using Lepton.Core.Placement.Framework;

namespace Lepton.Core.Placement.Plugins.Fgd;

/// <summary>
/// The scan of <c>fgd-nostrand</c>: FGD (scarcity-weighted, as <c>fgd-scarcity</c>), and among the nodes FGD scores best
/// the one where the task strands the least GPU: for a GPU task a node whose GPUs left free keep enough memory, for a
/// CPU-only task the node with the fewest free GPU milli, then the most CPU left; the node rank breaks what is left.
/// </summary>
/// <remarks>
/// <para><b>How it works.</b> Nodes are compared by (tier, FGD score, strand key, rank): FGD's order exactly, with one key
/// inserted before the random rank that FGD uses to break ties. Ties are common: FGD's score is
/// <c>trunc(100·sigmoid(Δ/1000))</c>, so every Δ within about 40 milli-GPU scores alike, and Δ = 0 for a CPU-only task on
/// every node whose CPU stays ample. The key uses only the current cluster state and the tasks seen so far (one decision
/// per arriving task):</para>
/// <list type="bullet">
/// <item><b>GPU task</b>: 1 when, after the placement, the node's free GPU milli u' is below one GPU or its memory left is at
/// least θ · (u'/1000) · M, where M is the average memory per whole GPU of the GPU tasks seen so far (estimated online)
/// and θ = 0.75; else 0. FGD's fragmentation measure knows GPU and CPU but not memory, so it happily fills a node's
/// memory while GPUs are still free there; those GPUs are then stranded for every task that needs memory with them.</item>
/// <item><b>CPU-only task</b>: fewer free GPU milli on the node first (a node with all GPUs busy first), then more CPU
/// left. FGD scores all nodes with ample CPU alike for a CPU-only task, so the rank would put it on a node with idle GPUs
/// as often as on one whose GPUs are all busy; the CPU it takes there is what a GPU task misses late in the run. Among
/// busy nodes the one with the most CPU left keeps the leftover CPU in pieces big enough for the next CPU-only task.</item>
/// </list>
/// <para><b>Why.</b> A throwaway diagnostic on the openb traces counted, for every GPU pod that fails before 100 %
/// arrived under FGD, what stopped it: mostly CPU or memory on a node that still had the GPUs (or GPU fragments on nodes
/// whose CPU was gone), rarely GPU fragmentation alone. Both keys only reorder FGD's ties, so FGD's own judgement of
/// GPU fragmentation is untouched.</para>
/// <para><b>What did not work</b> (openb, seeds 42–51): for GPU tasks, tie-breaks by packing (fewest free GPUs after),
/// spreading, CPU surplus or least CPU left, and FGD's GPU choice replaced by best fit, each lost on several traces (up to
/// −2.5 pp for CPU surplus); for CPU-only tasks, CPU surplus (CPU left minus what the free GPUs will need) as the key lost
/// up to 1.6 pp on <c>cpu250</c>; scarcity weights for the largest (multi-GPU) classes, or for classes that fit on less
/// than 20–50 % of the GPUs, lost up to 0.55 pp on <c>multigpu*</c>. θ = 0.5 and 1 were also tried: 0.5 gains less,
/// 1 lost on <c>cpu250</c>.</para>
/// <para>Like <see cref="PlacementPipeline{TFilter, TScore}"/> it evaluates one representative per node class (the class's
/// lowest-rank node; members share free state, memory included, so they share every key) and allocates nothing per task.</para>
/// </remarks>
internal sealed class NoStrandPipeline(FgdModel fgd) : PlacementPipeline, ICandidateSink
{
    /// <summary>Share θ of the average memory per GPU that a node's free GPUs must keep after a GPU task (tuned on seeds 42–51: 0.5, 0.75, 1).</summary>
    internal const double MemoryShare = 0.75;

    // The best node of the scan in progress (a field: CandidateNodes offers nodes one by one).
    private Candidate _best = Candidate.None;

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

        _best = Candidate.None;
        CandidateNodes.Visit(this, context, in task, everyNode: false, uniformByShape: true);
        return _best.Node;
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

    /// <inheritdoc/>
    public void Offer(PlacementContext context, int node, ref readonly TaskDemand task)
    {
        if (!default(StandardFilters).Passes(context, node, in task))
        {
            return;
        }

        var c = context.Cluster;
        var tier = Tier(c, node, in task);
        if (tier < _best.Tier)
        {
            return;
        }

        var score = fgd.Score(node, in task);
        var key = task.NeedsGpu
            ? MemoryKey(c.GpuFreeTotal[node] - task.TotalGpu, c.MemCap[node] - c.MemUsed[node] - task.Mem, MemoryPerGpuMiB)
            : StrandKey(c.GpuFreeTotal[node], c.CpuCap[node] - c.CpuUsed[node] - task.Cpu);
        var rank = context.Ranks[node];
        if (tier > _best.Tier || score > _best.Score || (score == _best.Score && (key > _best.Key || (key == _best.Key && rank < _best.Rank))))
        {
            _best = new Candidate(node, tier, score, key, rank);
        }
    }

    /// <summary>The best node of a scan so far; <see cref="None"/> before any node passed the filters.</summary>
    private readonly record struct Candidate(int Node, int Tier, int Score, long Key, int Rank)
    {
        public static Candidate None => new(-1, -1, int.MinValue, long.MinValue, int.MaxValue);
    }
}
