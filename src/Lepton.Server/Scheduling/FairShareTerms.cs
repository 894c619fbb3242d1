using Lepton.Core.Cluster;
using Lepton.Core.Queueing;
using Lepton.Core.Resources;
using Lepton.Server.Model;

namespace Lepton.Server.Scheduling;

/// <summary>The server's tenants as Core's fair-share terms (<c>lepton serve --fair-share</c>), and what tenant views show
/// of them. Read under <see cref="ControlPlane.Gate"/>.</summary>
internal static class FairShareTerms
{
    /// <summary>One tenant's terms: its guarantee (else its quota, else nothing), borrowing limit and weight.</summary>
    public static TenantShare Of(Tenant tenant) => new(
        tenant.Guarantee is { } g ? JobOperations.ToVector(g) : tenant.Quota is { } q ? JobOperations.ToVector(q) : ResourceVector.Zero,
        tenant.BorrowingLimit is { } b ? JobOperations.ToVector(b) : null,
        tenant.FairShareWeight);

    /// <summary>Every tenant's terms, with the default aging interval.</summary>
    public static FairSharePolicy Policy(ControlPlane plane) =>
        new(plane.Tenants.Values.ToDictionary(t => t.Name, Of, StringComparer.Ordinal), FairSharePolicy.DefaultAgingInterval);

    /// <summary>CPU, memory and GPU of the Ready nodes: what dominant shares are fractions of.</summary>
    public static ResourceVector Capacity(ControlPlane plane)
    {
        var total = ResourceVector.Zero;
        foreach (var node in plane.Nodes.Values)
        {
            if (node.EffectiveState == NodeState.Ready)
            {
                total += node.ToSpec().Capacity;
            }
        }

        return total;
    }
}
