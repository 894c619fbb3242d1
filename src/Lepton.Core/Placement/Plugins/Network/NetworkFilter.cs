using Lepton.Core.Placement.Framework;

namespace Lepton.Core.Placement.Plugins.Network;

/// <summary>The node has the task's network bandwidth free; a node with no bandwidth declared (0) does not account network.</summary>
internal readonly struct NetworkFilter : IFilterPlugin
{
    public string Constraint => "network";

    public string Code => "InsufficientNetwork";

    public bool Passes(PlacementContext context, int node, ref readonly TaskDemand task)
    {
        var cap = context.Cluster.NetCap[node];
        return task.Net == 0 || cap == 0 || context.Cluster.NetUsed[node] + task.Net <= cap;
    }

    public string Describe(ref readonly TaskDemand task, int passing, int considered) =>
        $"network: {passing} of {considered} nodes have {task.Net} Mbps free";
}
