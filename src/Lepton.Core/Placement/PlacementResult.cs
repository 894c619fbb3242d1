namespace Lepton.Core.Placement;

/// <summary>The result of <see cref="Scheduler.Schedule"/>: the policy, one entry per task in input order, and a summary.</summary>
public sealed record PlacementResult(string Policy, IReadOnlyList<TaskPlacement> Placements, PlacementSummary Summary);
