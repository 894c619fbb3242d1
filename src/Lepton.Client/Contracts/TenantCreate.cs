namespace Lepton.Client.Contracts;

/// <summary>Body of <c>POST /api/v1/tenants</c> (admin).</summary>
public sealed record TenantCreate
{
    /// <summary>Tenant name: lower-case letters, digits and '-', 1..63 characters.</summary>
    public string Name { get; set; } = "";

    /// <summary>Hard cap on what the tenant's bound tasks may hold together; null means unlimited.</summary>
    public ResourceAmounts? Quota { get; set; }

    /// <summary>Fair-share weight (positive; default 1).</summary>
    public double FairShareWeight { get; set; } = 1;

    /// <summary>Guaranteed quota under fair share (<c>lepton serve --fair-share</c>); null: the quota, else nothing.</summary>
    public ResourceAmounts? Guarantee { get; set; }

    /// <summary>Most the tenant may borrow beyond its guarantee under fair share; null: unlimited.</summary>
    public ResourceAmounts? BorrowingLimit { get; set; }
}

/// <summary>A tenant as the API returns it.</summary>
public sealed record TenantView
{
    /// <summary>Tenant name.</summary>
    public string Name { get; set; } = "";

    /// <summary>Quota; null means unlimited.</summary>
    public ResourceAmounts? Quota { get; set; }

    /// <summary>Fair-share weight.</summary>
    public double FairShareWeight { get; set; }

    /// <summary>What the tenant's bound tasks hold now.</summary>
    public ResourceAmounts Used { get; set; } = new();

    /// <summary>When the tenant was created.</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Guaranteed quota under fair share as set; null: none (the quota stands in when set).</summary>
    public ResourceAmounts? Guarantee { get; set; }

    /// <summary>Borrowing limit under fair share; null: unlimited.</summary>
    public ResourceAmounts? BorrowingLimit { get; set; }

    /// <summary>What the tenant holds beyond its guarantee now (borrowed from idle capacity).</summary>
    public ResourceAmounts Borrowed { get; set; } = new();

    /// <summary>Its largest share of the cluster's CPU, memory or GPU now (0..1), before dividing by the weight.</summary>
    public double DominantShare { get; set; }
}
