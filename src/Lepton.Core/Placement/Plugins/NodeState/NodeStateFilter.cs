using Lepton.Core.Placement.Framework;

namespace Lepton.Core.Placement.Plugins.NodeState;

/// <summary>Only Ready nodes take new work (Draining and Down nodes keep what they have).</summary>
internal readonly struct NodeStateFilter : IFilterPlugin
{
    public string Constraint => "node-state";

    public string Code => "NodeNotReady";

    public bool Passes(PlacementContext context, int node, ref readonly TaskDemand task) =>
        context.Cluster.States[node] == Cluster.NodeState.Ready;

    public string Describe(ref readonly TaskDemand task, int passing, int considered) =>
        $"node-state: {passing} of {considered} nodes are Ready";
}
