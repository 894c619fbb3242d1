using Lepton.Core.Cluster;

namespace Lepton.Core.Placement;

/// <summary>FGD's expected GPU fragmentation of one node with respect to a target workload (FGD-SPEC §5.2).</summary>
/// <remarks>
/// Each typical task m is classified against the node: Q3 when it fits (then only free milli on GPUs too small for
/// it counts as fragmented), otherwise Q1/Q2/Q4 (GPU and/or CPU short), XL/XR for CPU-only classes and NA when the
/// node's GPU model is not allowed — all of which count the node's whole free GPU milli <c>U</c> (the CPU-only
/// classes do so even when they fit: a quirk kept on purpose). <c>F(N) = Σ p_m · fragMilli(N, m)</c>.
/// </remarks>
public static class NodeFragmentation
{
    /// <summary>Category indices of <see cref="Categories"/>: Q1, Q2, Q3, Q4, XL, XR, NA.</summary>
    public static readonly IReadOnlyList<string> CategoryNames = ["Q1", "Q2", "Q3", "Q4", "XL", "XR", "NA"];

    /// <summary>F(N) in milli-GPU for a node with <paramref name="cpuLeftMilli"/> CPU left and the given free milli per GPU.</summary>
    public static double Compute(long cpuLeftMilli, ReadOnlySpan<int> gpuFreeMilli, string gpuModel, TargetWorkload target) =>
        Categories(cpuLeftMilli, gpuFreeMilli, gpuModel, target, []);

    /// <summary>F(N), also filling <paramref name="categories"/> (7 entries, or empty) with the per-category sums D[c]; D[Q3] is the non-fragmented rest.</summary>
    public static double Categories(long cpuLeftMilli, ReadOnlySpan<int> gpuFreeMilli, string gpuModel, TargetWorkload target, Span<double> categories)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(gpuModel);
        var compiled = new CompiledTarget(target, gpuFreeMilli.Length > 0 ? [gpuModel] : []);
        var cnt = new int[compiled.Count];
        var sum = new int[compiled.Count];
        compiled.Stats(gpuFreeMilli, cnt, sum);
        var u = 0;
        foreach (var f in gpuFreeMilli)
        {
            u += f;
        }

        return compiled.Fragmentation(gpuFreeMilli.Length > 0 ? 0 : -1, cpuLeftMilli, u, cnt, sum, [], 0, categories);
    }

    /// <summary>F(N) of one node of a cluster in its current state.</summary>
    public static double Of(ClusterState cluster, int node, TargetWorkload target)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        return Compute(cluster.CpuCap[node] - cluster.CpuUsed[node], cluster.GpuFreeSpan(node), cluster.NodeAt(node).GpuModel, target);
    }
}
