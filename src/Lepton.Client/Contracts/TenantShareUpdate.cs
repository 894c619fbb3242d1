namespace Lepton.Client.Contracts;

/// <summary>Body of <c>PUT /api/v1/tenants/{name}/share</c> (admin): a tenant's fair-share terms. Every field replaces
/// the stored one (null clears a guarantee or limit).</summary>
public sealed record TenantShareUpdate
{
    /// <summary>Guaranteed quota; null: none (the quota stands in when set).</summary>
    public ResourceAmounts? Guarantee { get; set; }

    /// <summary>Most it may hold beyond the guarantee; null: unlimited.</summary>
    public ResourceAmounts? BorrowingLimit { get; set; }

    /// <summary>Fair-share weight in (0, 1000]; null keeps the current one.</summary>
    public double? FairShareWeight { get; set; }
}
