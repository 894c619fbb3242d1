using Lepton.Client.Contracts;

namespace Lepton.Server.Model;

/// <summary>A team: its quota (a hard cap on what its bound tasks hold) and fair-share weight.</summary>
internal sealed class Tenant
{
    public required string Name { get; init; }
    public ResourceAmounts? Quota { get; set; }
    public double FairShareWeight { get; set; } = 1;

    /// <summary>Fair share (<c>lepton serve --fair-share</c>): what the tenant is always entitled to; null falls back to
    /// <see cref="Quota"/>, then to nothing.</summary>
    public ResourceAmounts? Guarantee { get; set; }

    /// <summary>Fair share: the most it may hold beyond its guarantee; null is unlimited.</summary>
    public ResourceAmounts? BorrowingLimit { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
}
