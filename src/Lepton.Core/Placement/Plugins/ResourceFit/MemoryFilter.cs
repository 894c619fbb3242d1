using Lepton.Core.Placement.Framework;

namespace Lepton.Core.Placement.Plugins.ResourceFit;

/// <summary>The node has the task's memory free (FGD-SPEC §3.2; memory matters nowhere else).</summary>
internal readonly struct MemoryFilter : IFilterPlugin
{
    public string Constraint => "memory";

    public string Code => "InsufficientMemory";

    public bool Passes(PlacementContext context, int node, ref readonly TaskDemand task) =>
        context.Cluster.MemUsed[node] + task.Mem <= context.Cluster.MemCap[node];

    public string Describe(ref readonly TaskDemand task, int passing, int considered) =>
        $"memory: {passing} of {considered} nodes have {task.Mem} MiB free";
}
