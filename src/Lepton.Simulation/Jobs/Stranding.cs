using Lepton.Core.Cluster;
using Lepton.Core.Workloads;

namespace Lepton.Simulation.Jobs;

/// <summary>Counts stranded GPUs: whole idle GPUs on a node whose free CPU or memory is below what the smallest GPU task
/// of the workload asks, so that no GPU task can use them however the GPUs are shared.</summary>
internal sealed class Stranding(long minCpuMilli, long minMemoryMiB, bool any)
{
    /// <summary>The thresholds from the workload's GPU tasks (none: nothing is ever stranded).</summary>
    public static Stranding Of(IReadOnlyList<TaskRequest> tasks)
    {
        long cpu = long.MaxValue, memory = long.MaxValue;
        var any = false;
        foreach (var t in tasks)
        {
            if (t.GpuCount > 0)
            {
                any = true;
                cpu = Math.Min(cpu, t.CpuMilli);
                memory = Math.Min(memory, t.MemoryMiB);
            }
        }

        return new Stranding(cpu, memory, any);
    }

    /// <summary>Stranded whole GPUs on node <paramref name="node"/> (0 unless it is Ready).</summary>
    public int StrandedGpus(ClusterState state, int node)
    {
        if (!any || state.StateOf(node) != NodeState.Ready)
        {
            return 0;
        }

        var free = state.Free(node);
        if (free.CpuMilli >= minCpuMilli && free.MemoryMiB >= minMemoryMiB)
        {
            return 0;
        }

        var count = 0;
        foreach (var milli in state.GpuFreeSpan(node))
        {
            count += milli == ClusterState.MilliPerGpu ? 1 : 0;
        }

        return count;
    }
}
