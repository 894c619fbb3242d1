using Lepton.Core.Placement.Framework;

namespace Lepton.Core.Placement.Plugins.NodeSelector;

/// <summary>The node carries every label of the task's node selector (exact match).</summary>
internal readonly struct NodeSelectorFilter : IFilterPlugin
{
    public string Constraint => "labels";

    public string Code => "NodeSelectorMismatch";

    public bool Passes(PlacementContext context, int node, ref readonly TaskDemand task) =>
        !task.HasSelector || context.LabelMatch[context.Cluster.LabelSetId[node]];

    public string Describe(ref readonly TaskDemand task, int passing, int considered) =>
        $"labels: {passing} of {considered} nodes match {string.Join(",", task.Task.NodeSelector.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + "=" + kv.Value))}";
}
