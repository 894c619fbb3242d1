using Lepton.Core.Placement;
using Lepton.Core.Workloads;

namespace Lepton.Core.Queueing;

/// <summary>A job whose replicas hold resources on nodes now; a candidate victim when preemptible.</summary>
/// <param name="Id">Job id.</param>
/// <param name="Tenant">Owning tenant.</param>
/// <param name="Priority">1..9.</param>
/// <param name="Preemptible">Whether a more important job may evict it.</param>
/// <param name="Sequence">Arrival order; among equal victims the latest arrival is evicted first.</param>
/// <param name="Tasks">The bound replicas.</param>
/// <param name="Remaining">How long until it ends (declared or estimated); null when unknown. EASY backfill computes the
/// head job's reservation from these.</param>
/// <param name="Running">How long it has run; fair-share reclaim takes the job that loses the least GPU-time first (then the most recently started, then the latest arrival).</param>
public sealed record BoundJob(long Id, string Tenant, int Priority, bool Preemptible, long Sequence, IReadOnlyList<BoundTask> Tasks, TimeSpan? Remaining = null,
    TimeSpan Running = default);

/// <summary>One bound replica: its request and where it sits.</summary>
public readonly record struct BoundTask(TaskRequest Request, NodePlacement Placement);
