using Lepton.Core.Workloads;

namespace Lepton.Core.Queueing;

/// <summary>A job waiting to be placed: its tenant, priority, arrival order and one request per replica.</summary>
/// <param name="Id">Job id.</param>
/// <param name="Tenant">Owning tenant (quota is checked per tenant).</param>
/// <param name="Priority">1..9, 9 most important.</param>
/// <param name="Sequence">Arrival order; lower is earlier (FIFO within a priority).</param>
/// <param name="Replicas">One request per replica; more than one is a gang, placed all or nothing.</param>
public sealed record QueuedJob(long Id, string Tenant, int Priority, long Sequence, IReadOnlyList<TaskRequest> Replicas);
