using Lepton.Core.Placement.Framework;

namespace Lepton.Core.Placement.Plugins.DotProduct;

/// <summary>DotProd with dimext <c>merge</c> and norm <c>max</c> (FGD-SPEC §4.2): the smallest dot product of free resources and request wins.</summary>
/// <remarks><c>score = trunc(100 · (1 − (cpuLeft/128000 · cpu/128000 + U/8000 · n·g/8000) / 2))</c>.</remarks>
internal readonly struct DotProductScore : IScorePlugin
{
    private const double MaxSpecCpu = 128000;
    private const double MaxSpecGpu = 8000;

    public void Prepare(PlacementContext context, ref readonly TaskDemand task)
    {
    }

    public int Score(PlacementContext context, int node, ref readonly TaskDemand task)
    {
        var c = context.Cluster;
        var cpuLeft = c.CpuCap[node] - c.CpuUsed[node];
        if (cpuLeft < task.Cpu)
        {
            return 0;
        }

        var dot = 0.0;
        dot += cpuLeft / MaxSpecCpu * (task.Cpu / MaxSpecCpu);
        dot += c.GpuFreeTotal[node] / MaxSpecGpu * (task.TotalGpu / MaxSpecGpu);
        var cur = 1 - dot / 2;
        return (int)(100.0 * cur);
    }
}
