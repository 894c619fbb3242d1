namespace Lepton.Core.Placement.Framework;

/// <summary>A feasibility check of one node for one task; built-in filters are structs called through generic constraints.</summary>
internal interface IFilterPlugin
{
    /// <summary>Constraint name used in pending reasons, e.g. <c>network</c>.</summary>
    string Constraint { get; }

    /// <summary>Machine-readable code when this constraint is the main reason, e.g. <c>InsufficientNetwork</c>.</summary>
    string Code { get; }

    /// <summary>True when the node can take the task as far as this constraint goes.</summary>
    bool Passes(PlacementContext context, int node, ref readonly TaskDemand task);

    /// <summary>Describes the outcome, e.g. <c>network: 0 of 1 nodes have 8000 Mbps free</c>.</summary>
    string Describe(ref readonly TaskDemand task, int passing, int considered);
}
