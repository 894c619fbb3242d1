namespace Lepton.Core.Placement;

/// <summary>How many nodes one constraint ruled out for a task, e.g. <c>network: 0 of 1 nodes have 8000 Mbps free</c>.</summary>
/// <param name="Constraint">Constraint (filter) name such as <c>cpu</c>, <c>gpu</c> or <c>network</c>.</param>
/// <param name="NodesRuledOut">Nodes that fail this constraint (each constraint is checked on every node on its own).</param>
/// <param name="NodesConsidered">Nodes checked.</param>
/// <param name="Message">Human-readable explanation.</param>
public sealed record ConstraintRejection(string Constraint, int NodesRuledOut, int NodesConsidered, string Message);
