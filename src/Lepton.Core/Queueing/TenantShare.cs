using Lepton.Core.Resources;

namespace Lepton.Core.Queueing;

/// <summary>One tenant's terms under fair share: what it is always entitled to, how much idle capacity it may borrow
/// beyond that, and its weight between tenants.</summary>
/// <param name="Guarantee">Guaranteed quota: work up to this is never reclaimed, and a job that keeps its tenant within it
/// may reclaim borrowed work of other tenants.</param>
/// <param name="BorrowingLimit">Most the tenant may hold beyond <paramref name="Guarantee"/>; null is no limit (all idle
/// capacity).</param>
/// <param name="Weight">Fair-share weight (&gt; 0): a tenant's dominant share is divided by it.</param>
public sealed record TenantShare(ResourceVector Guarantee, ResourceVector? BorrowingLimit = null, double Weight = 1)
{
    /// <summary>The terms of a tenant nobody configured: no guarantee, unlimited borrowing, weight 1.</summary>
    public static TenantShare Unconfigured { get; } = new(ResourceVector.Zero);

    /// <summary>The most the tenant may hold at all: guarantee plus borrowing limit (null when unlimited).</summary>
    public ResourceVector? Limit => BorrowingLimit is { } b ? Guarantee + b : null;
}
