using Lepton.Core.Cluster;
using Lepton.Core.Placement.Framework;

namespace Lepton.Core.Placement.Plugins.Spread;

/// <summary>Least-allocated (Kubernetes' NodeResourcesLeastAllocated): prefers the node with the most capacity left after placing.</summary>
/// <remarks>
/// Score = mean over CPU, memory and (on GPU nodes) GPU of <c>(capacity − used − request) · 100 / capacity</c>, in
/// integers. Resources a node does not have are left out of the mean, so load balances across nodes of every shape.
/// </remarks>
internal readonly struct LeastAllocatedScore : IScorePlugin
{
    public void Prepare(PlacementContext context, ref readonly TaskDemand task)
    {
    }

    public int Score(PlacementContext context, int node, ref readonly TaskDemand task)
    {
        var c = context.Cluster;
        long sum = 0;
        var count = 0;
        Add(c.CpuCap[node], c.CpuUsed[node] + task.Cpu, ref sum, ref count);
        Add(c.MemCap[node], c.MemUsed[node] + task.Mem, ref sum, ref count);
        var gpuCap = c.GpuCount[node] * (long)ClusterState.MilliPerGpu;
        Add(gpuCap, gpuCap - c.GpuFreeTotal[node] + task.TotalGpu, ref sum, ref count);
        return count == 0 ? 0 : (int)(sum / count);
    }

    private static void Add(long capacity, long used, ref long sum, ref int count)
    {
        if (capacity > 0)
        {
            sum += (capacity - used) * 100 / capacity;
            count++;
        }
    }
}
