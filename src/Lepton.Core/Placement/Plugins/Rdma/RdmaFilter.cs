using Lepton.Core.Placement.Framework;

namespace Lepton.Core.Placement.Plugins.Rdma;

/// <summary>The node has the task's RDMA NIC bandwidth free (milli-NIC); a node without RDMA NICs takes no RDMA task.</summary>
internal readonly struct RdmaFilter : IFilterPlugin
{
    public string Constraint => "rdma";

    public string Code => "InsufficientRdma";

    public bool Passes(PlacementContext context, int node, ref readonly TaskDemand task) =>
        task.Rdma == 0 || context.Cluster.RdmaUsed[node] + task.Rdma <= context.Cluster.RdmaCap[node];

    public string Describe(ref readonly TaskDemand task, int passing, int considered) =>
        $"rdma: {passing} of {considered} nodes have {task.Rdma} milli-NIC of RDMA free";
}
