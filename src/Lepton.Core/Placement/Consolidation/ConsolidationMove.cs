namespace Lepton.Core.Placement.Consolidation;

/// <summary>One task moved: from where to where (node indices of the request's cluster, and GPU indices).</summary>
/// <param name="Task">Index into <see cref="ConsolidationRequest.Movable"/>.</param>
/// <param name="Id">The task's caller id.</param>
/// <param name="From">Where it runs now.</param>
/// <param name="To">Where the plan puts it.</param>
public sealed record ConsolidationMove(int Task, string Id, NodePlacement From, NodePlacement To);
