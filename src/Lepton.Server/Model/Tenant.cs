using Lepton.Client.Contracts;

namespace Lepton.Server.Model;

/// <summary>A team: its quota (a hard cap on what its bound tasks hold) and fair-share weight.</summary>
internal sealed class Tenant
{
    public required string Name { get; init; }
    public ResourceAmounts? Quota { get; set; }
    public double FairShareWeight { get; set; } = 1;
    public DateTimeOffset CreatedAt { get; init; }
}
