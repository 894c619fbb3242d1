using Lepton.Core.Cluster;
using Lepton.Core.Placement.Framework;
using Lepton.Core.Power;

namespace Lepton.Core.Placement.Plugins.Power;

/// <summary>PWR's arithmetic (PWR-SPEC §2): the raw score (minus the power increase), its min–max normalisation, the weighted sum with FGD.</summary>
internal static class PwrScore
{
    /// <summary>How many free GPUs the task turns busy on the node, PWR's way (§2.1).</summary>
    /// <remarks>A GPU share costs nothing when some partly used GPU can take it (the maximum over candidate GPUs) and
    /// one GPU otherwise; n whole GPUs turn n free GPUs busy.</remarks>
    public static int NewlyBusyGpus(ReadOnlySpan<int> free, ref readonly TaskDemand task)
    {
        if (!task.NeedsGpu)
        {
            return 0;
        }

        if (!task.IsShare)
        {
            return task.N;
        }

        foreach (var f in free)
        {
            if (f < ClusterState.MilliPerGpu && f >= task.G)
            {
                return 0;
            }
        }

        return 1;
    }

    /// <summary>The raw score: P(before) − P(after), truncated to an integer (≤ 0).</summary>
    public static long Raw(ClusterPower power, int node, ref readonly TaskDemand task, PowerParts parts = PowerParts.All)
    {
        var busy = NewlyBusyGpus(power.Cluster.GpuFreeSpan(node), in task);
        if (parts == PowerParts.All)
        {
            return (long)-power.PlacementDelta(node, task.Cpu, busy);
        }

        var kind = !task.NeedsGpu ? PowerParts.CpuTasks : task.IsShare ? PowerParts.ShareTasks : PowerParts.WholeTasks;
        if ((parts & kind) == 0)
        {
            return 0;
        }

        var watts = (parts & PowerParts.Cpu) != 0 ? power.PlacementDelta(node, task.Cpu, 0) : 0;
        watts += (parts & PowerParts.GpuModel) != 0 ? power.PlacementDelta(node, 0, busy) : 0;
        watts += (parts & PowerParts.GpuCount) != 0 ? 100.0 * busy : 0;
        return (long)-watts;
    }

    /// <summary>§2.2: 100 when all raw scores are equal, else <c>(raw − mn) · 100 / (mx − mn)</c> in integer arithmetic.</summary>
    public static long Normalise(long raw, long mn, long mx) => mn == mx ? 100 : (raw - mn) * 100 / (mx - mn);

    /// <summary>§2.3: <c>wPWR · norm + wFGD · fgd</c>.</summary>
    public static long Combine(int pwrWeight, long normalised, int fgdWeight, int fgdScore) => (pwrWeight * normalised) + ((long)fgdWeight * fgdScore);

    /// <summary>PWR's GPU for a share (§2.1): the lowest-index partly used GPU that fits, else the lowest-index free GPU.</summary>
    public static int SelectShareGpu(ReadOnlySpan<int> free, int g)
    {
        var firstFree = -1;
        for (var j = 0; j < free.Length; j++)
        {
            if (free[j] < ClusterState.MilliPerGpu && free[j] >= g)
            {
                return j;
            }

            if (firstFree < 0 && free[j] >= g)
            {
                firstFree = j;
            }
        }

        return firstFree;
    }
}
