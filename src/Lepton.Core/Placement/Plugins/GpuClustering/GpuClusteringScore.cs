using Lepton.Core.Cluster;
using Lepton.Core.Placement.Framework;

namespace Lepton.Core.Placement.Plugins.GpuClustering;

/// <summary>GpuClustering (FGD-SPEC §4.3): prefers nodes that already run tasks of the same kind ("share-gpu", "1-gpu", …).</summary>
/// <remarks>
/// <c>base = 25·(8000 − U)/8000</c> in integers (8000 even for nodes with fewer GPUs); +75 when the node runs only this
/// kind, +50 when it runs this kind among others, +25 when it runs no GPU task, +0 otherwise. CPU-only tasks score 0.
/// </remarks>
internal readonly struct GpuClusteringScore : IScorePlugin
{
    public void Prepare(PlacementContext context, ref readonly TaskDemand task)
    {
    }

    public int Score(PlacementContext context, int node, ref readonly TaskDemand task)
    {
        if (task.Tag < 0)
        {
            return 0;
        }

        var c = context.Cluster;
        var baseScore = 25 * (8000 - c.GpuFreeTotal[node]) / 8000;
        var distinct = c.DistinctTags[node];
        return c.TagCounts[node * ClusterState.TagSlots + task.Tag] > 0
            ? baseScore + (distinct == 1 ? 75 : 50)
            : baseScore + (distinct == 0 ? 25 : 0);
    }
}
