using Lepton.Core.Cluster;
using Lepton.Core.Resources;

namespace Lepton.Core.Queueing;

/// <summary>The immutable input of one scheduling cycle: nodes, what is bound where, the queue and tenants' quotas.</summary>
/// <param name="Nodes">Every known node (Down and Draining ones included: the placement filters skip them).</param>
/// <param name="Bound">Jobs holding resources now.</param>
/// <param name="Pending">Jobs waiting, in any order (the planner sorts them).</param>
/// <param name="Quotas">Hard cap per tenant; a tenant missing here is unlimited.</param>
/// <param name="FairShare">Fair share with borrowing and reclaim instead of hard quotas (<paramref name="Quotas"/> is then
/// ignored); null keeps hard quotas.</param>
public sealed record QueueSnapshot(
    IReadOnlyList<NodeSpec> Nodes,
    IReadOnlyList<BoundJob> Bound,
    IReadOnlyList<QueuedJob> Pending,
    IReadOnlyDictionary<string, ResourceVector> Quotas,
    FairSharePolicy? FairShare = null);
