namespace Lepton.Core.Queueing;

/// <summary>The output of one scheduling cycle: jobs to bind, jobs to evict, and why every other pending job waits.</summary>
/// <param name="Bindings">Jobs placed this cycle, in placement order.</param>
/// <param name="Evictions">Bound jobs to evict (back to Pending) so that a more important job fits.</param>
/// <param name="Waiting">A current reason for every pending job not bound, by job id.</param>
/// <param name="Reservation">The head job's reservation under EASY backfill; null otherwise or when nothing is blocked.</param>
public sealed record Plan(IReadOnlyList<Binding> Bindings, IReadOnlyList<Eviction> Evictions, IReadOnlyDictionary<long, QueueReason> Waiting,
    Reservation? Reservation = null);
