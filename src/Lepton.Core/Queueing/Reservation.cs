using Lepton.Core.Placement;

namespace Lepton.Core.Queueing;

/// <summary>Where and when the head of the queue will start (EASY backfill): no job backfilled past it may delay this.</summary>
/// <param name="JobId">The reserved (head) job.</param>
/// <param name="StartsIn">How long from the cycle until it can start, from the running jobs' remaining durations; null
/// when that depends on jobs without a declared duration (it starts once they end).</param>
/// <param name="Placements">The placement held for it, one per replica, as the cluster will be then.</param>
public sealed record Reservation(long JobId, TimeSpan? StartsIn, IReadOnlyList<NodePlacement> Placements);
