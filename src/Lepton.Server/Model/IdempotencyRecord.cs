namespace Lepton.Server.Model;

/// <summary>The job a tenant's <c>Idempotency-Key</c> created, with the hash of the request that created it.</summary>
/// <remarks>Kept as long as the job (jobs are never deleted), so a retry days later still finds its job.</remarks>
internal sealed record IdempotencyRecord(string Tenant, string Key, string RequestHash, long JobId, DateTimeOffset CreatedAt);
