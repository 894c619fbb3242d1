using Lepton.Server.Model;

namespace Lepton.Server.Persistence;

/// <summary>Everything a store holds, as loaded at start-up (jobs carry their tasks and events).</summary>
internal sealed record StoreContents(
    IReadOnlyList<Tenant> Tenants,
    IReadOnlyList<ApiToken> Tokens,
    IReadOnlyList<Node> Nodes,
    IReadOnlyList<Job> Jobs)
{
    /// <summary>Every (tenant, Idempotency-Key) with the job it created.</summary>
    public IReadOnlyList<IdempotencyRecord> IdempotencyKeys { get; init; } = [];
}
