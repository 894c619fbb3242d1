using Lepton.Core.Workloads;

namespace Lepton.Core.Queueing;

/// <summary>A job waiting to be placed: its tenant, priority, arrival order and one request per replica.</summary>
/// <param name="Id">Job id.</param>
/// <param name="Tenant">Owning tenant (quota is checked per tenant).</param>
/// <param name="Priority">1..9, 9 most important.</param>
/// <param name="Sequence">Arrival order; lower is earlier (FIFO within a priority).</param>
/// <param name="Replicas">One request per replica; more than one is a gang, placed all or nothing.</param>
/// <param name="Duration">How long it runs once started (declared or estimated); null when unknown. Used by the
/// duration orders and by EASY backfill (a job that ends before the head's reservation may always backfill).</param>
/// <param name="Waited">How long it has waited so far (fair share ages a job's priority by it; see <see cref="FairSharePolicy"/>).</param>
public sealed record QueuedJob(long Id, string Tenant, int Priority, long Sequence, IReadOnlyList<TaskRequest> Replicas, TimeSpan? Duration = null,
    TimeSpan Waited = default);
