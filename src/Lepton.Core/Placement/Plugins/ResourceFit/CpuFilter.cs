using Lepton.Core.Placement.Framework;

namespace Lepton.Core.Placement.Plugins.ResourceFit;

/// <summary>The node has the task's CPU free (FGD-SPEC §3.2).</summary>
internal readonly struct CpuFilter : IFilterPlugin
{
    public string Constraint => "cpu";

    public string Code => "InsufficientCpu";

    public bool Passes(PlacementContext context, int node, ref readonly TaskDemand task) =>
        context.Cluster.CpuUsed[node] + task.Cpu <= context.Cluster.CpuCap[node];

    public string Describe(ref readonly TaskDemand task, int passing, int considered) =>
        $"cpu: {passing} of {considered} nodes have {task.Cpu}m free";
}
