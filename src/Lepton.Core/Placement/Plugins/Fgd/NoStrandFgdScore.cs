using Lepton.Core.Placement.Framework;

namespace Lepton.Core.Placement.Plugins.Fgd;

/// <summary>
/// The score of <c>fgd-nostrand</c>: FGD (scarcity-weighted) for GPU tasks; for a CPU-only task FGD's score first, then,
/// among the nodes FGD finds equally good, the node with the fewest free GPUs, then the most CPU left.
/// </summary>
/// <remarks>
/// <para><b>Why.</b> FGD scores a CPU-only task by how much its CPU would starve the typical GPU tasks of a node. On every
/// node whose CPU stays ample (and on every node whose GPUs are all taken) that growth is 0, so FGD scores them all
/// alike and the random node rank decides: a CPU-only pod lands on a node with idle GPUs as often as on one whose GPUs
/// are all busy. Late in a run the CPU it took there is what a whole-GPU task misses: on the openb traces most GPU
/// pods that fail before 100 % arrived fail for CPU on a node that still has the GPU (a throwaway diagnostic counted
/// the failures by cause). Among FGD's tied nodes this plugin therefore puts a CPU-only pod where it strands the least
/// GPU: first nodes with no free GPU, then the fewest free GPU milli; among those the node with the most CPU left, so
/// the leftover CPU of busy nodes is not cut into pieces too small for the next CPU-only pod. GPU tasks are scored
/// exactly as FGD scores them (any tie-break tried for them lost on some trace: packing, spreading, CPU surplus).</para>
/// <para><b>Encoding.</b> The pipeline compares one integer (then the node rank), so a CPU-only task's score packs the three
/// keys lexicographically: FGD's score (0–100, 7 bits) · 2^23 + (8191 − free GPU in tens of milli, 13 bits) · 2^10 +
/// CPU left in whole cores (capped at 1023, 10 bits). Nodes a key cannot tell apart fall back to the rank, as in FGD.</para>
/// </remarks>
internal readonly struct NoStrandFgdScore(FgdModel model) : IScorePlugin
{
    private const int FreeGpuKeyMax = (1 << 13) - 1;
    private const int CpuKeyMax = (1 << 10) - 1;

    public FgdModel Model { get; } = model;

    public void Prepare(PlacementContext context, ref readonly TaskDemand task) => Model.BeforeTask();

    public int Score(PlacementContext context, int node, ref readonly TaskDemand task)
    {
        var fgd = Model.Score(node, in task);
        if (task.NeedsGpu)
        {
            return fgd;
        }

        var c = context.Cluster;
        return Compose(fgd, c.GpuFreeTotal[node], c.CpuCap[node] - c.CpuUsed[node] - task.Cpu);
    }

    /// <summary>The packed key of a CPU-only task: FGD score, then fewer free GPU milli, then more CPU left (milli).</summary>
    internal static int Compose(int fgdScore, int freeGpuMilli, long cpuLeftMilli)
    {
        var freeKey = Math.Min(freeGpuMilli / 10, FreeGpuKeyMax);
        var cpuKey = (int)Math.Clamp(cpuLeftMilli / 1000, 0, CpuKeyMax);
        return (fgdScore << 23) | ((FreeGpuKeyMax - freeKey) << 10) | cpuKey;
    }
}
