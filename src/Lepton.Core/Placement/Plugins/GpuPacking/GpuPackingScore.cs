using Lepton.Core.Cluster;
using Lepton.Core.Placement.Framework;

namespace Lepton.Core.Placement.Plugins.GpuPacking;

/// <summary>GpuPacking (FGD-SPEC §4.4): a partly used GPU first, then free GPUs on a node in use, then an idle node (smaller first).</summary>
/// <remarks>
/// CPU-only tasks score 0 everywhere, so the lowest-rank feasible node wins (quirk kept: they pile onto nodes in rank
/// order). For GPU tasks the GPUs that would be used are the first n in ascending order of free milli (stable).
/// </remarks>
internal readonly struct GpuPackingScore : IScorePlugin
{
    public void Prepare(PlacementContext context, ref readonly TaskDemand task)
    {
    }

    public int Score(PlacementContext context, int node, ref readonly TaskDemand task)
    {
        if (!task.NeedsGpu)
        {
            return 0;
        }

        var c = context.Cluster;
        var k = c.GpuCount[node];
        var fullyFree = c.GpuFullyFree[node];
        if (fullyFree == k)
        {
            return Math.Max(33 - fullyFree, fullyFree);
        }

        // Walk GPUs in ascending free order (stable): repeatedly take the smallest free value above the last one taken.
        var free = c.GpuFreeSpan(node);
        var ffUse = 0;
        long r = 0;
        var used = 0;
        var last = -1;
        while (used < task.N)
        {
            var next = int.MaxValue;
            foreach (var f in free)
            {
                if (f > last && f < next)
                {
                    next = f;
                }
            }

            if (next == int.MaxValue)
            {
                break;
            }

            if (next >= task.G)
            {
                foreach (var f in free)
                {
                    if (f == next && used < task.N)
                    {
                        used++;
                        ffUse += f == ClusterState.MilliPerGpu ? 1 : 0;
                        r += f * 100 / ClusterState.MilliPerGpu;
                    }
                }
            }

            last = next;
        }

        return ffUse > 0 ? Math.Max(50 - ffUse, 33) : (int)Math.Max(100 - r / 10, 50);
    }
}
