using Lepton.Core.Placement.Framework;

namespace Lepton.Core.Placement.Plugins.GpuFit;

/// <summary>The node has enough free GPU (FGD-SPEC §3.3): one GPU with the share free, or n GPUs with g milli free each.</summary>
/// <remarks>
/// For n &gt; 1 the spec counts <c>Σ floor(free/g)</c>; every multi-GPU task asks for whole GPUs, where that equals the
/// number of fully free GPUs. We require n distinct GPUs with g free each, which is the same for every valid request.
/// </remarks>
internal readonly struct GpuFilter : IFilterPlugin
{
    public string Constraint => "gpu";

    public string Code => "InsufficientGpu";

    public bool Passes(PlacementContext context, int node, ref readonly TaskDemand task)
    {
        if (!task.NeedsGpu)
        {
            return true;
        }

        var cluster = context.Cluster;
        if (task.N == 1)
        {
            return cluster.GpuMaxFree[node] >= task.G;
        }

        if (task.G == Cluster.ClusterState.MilliPerGpu)
        {
            return cluster.GpuFullyFree[node] >= task.N;
        }

        var fitting = 0;
        foreach (var free in cluster.GpuFreeSpan(node))
        {
            fitting += free >= task.G ? 1 : 0;
        }

        return fitting >= task.N;
    }

    public string Describe(ref readonly TaskDemand task, int passing, int considered) =>
        task.IsShare
            ? $"gpu: {passing} of {considered} nodes have a GPU with {task.G} milli-GPU free"
            : $"gpu: {passing} of {considered} nodes have {task.N} free GPU(s)";
}
