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
}
