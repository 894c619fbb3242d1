using Lepton.Core.Placement.Framework;

namespace Lepton.Core.Placement.Plugins.BestFit;

/// <summary>BestFit (FGD-SPEC §4.5): prefers the node left with the least CPU and GPU after placing.</summary>
/// <remarks>
/// <c>raw = trunc((1 − ((cpuLeft − cpu)/128000·0.5 + (U − n·g)/8000·0.5)) · 100)</c>. Kubernetes' min-max
/// rescaling that follows keeps the same top set, so ranking by <c>raw</c> is equivalent; the truncation creates the
/// ties that the per-run node rank breaks. Memory is not scored.
/// </remarks>
internal readonly struct BestFitScore : IScorePlugin
{
    public const double MaxSpecCpu = 128000;
    public const double MaxSpecGpu = 8000;

    public void Prepare(PlacementContext context, ref readonly TaskDemand task)
    {
    }

    public int Score(PlacementContext context, int node, ref readonly TaskDemand task)
    {
        var c = context.Cluster;
        var cpuLeft = c.CpuCap[node] - c.CpuUsed[node];
        var s = 0.0;
        s += ((double)cpuLeft - task.Cpu) / MaxSpecCpu * 0.5;
        s += ((double)c.GpuFreeTotal[node] - task.TotalGpu) / MaxSpecGpu * 0.5;
        return (int)((1.0 - s) * 100.0);
    }
}
