using Lepton.Core.Placement.Framework;

namespace Lepton.Core.Placement.Plugins.MaxPerNode;

/// <summary>Anti-affinity: a node already running <c>maxPerNode</c> replicas of the task's job or app takes no more.</summary>
/// <remarks>Replicas are counted per (group, node) by <see cref="Cluster.ClusterState"/>; the group id is resolved once per
/// task, so the check is one hash lookup per node and allocates nothing.</remarks>
internal readonly struct MaxPerNodeFilter : IFilterPlugin
{
    public string Constraint => "max-per-node";

    public string Code => "MaxPerNodeReached";

    public bool Passes(PlacementContext context, int node, ref readonly TaskDemand task) =>
        task.MaxPerNode <= 0 || task.Group < 0 || context.Cluster.ReplicasOn(node, task.Group) < task.MaxPerNode;

    public string Describe(ref readonly TaskDemand task, int passing, int considered) =>
        $"max-per-node: {passing} of {considered} nodes run fewer than {task.MaxPerNode} replica(s) of '{task.Task.ReplicaGroup}'";
}
