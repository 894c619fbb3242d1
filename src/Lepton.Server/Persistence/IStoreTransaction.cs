using Lepton.Client.Contracts;
using Lepton.Server.Model;

namespace Lepton.Server.Persistence;

/// <summary>One durable write transaction of the store: whole-row upserts, event inserts, then <see cref="Commit"/>.</summary>
/// <remarks>Disposing without committing rolls back.</remarks>
internal interface IStoreTransaction : IDisposable
{
    void UpsertTenant(Tenant tenant);
    void InsertToken(ApiToken token);

    /// <summary>Writes a token's mutable columns: last used, revoked.</summary>
    void UpdateToken(ApiToken token);

    void InsertIdempotencyKey(IdempotencyRecord record);
    void UpsertNode(Node node);
    void DeleteNode(string name);
    void UpsertJob(Job job);
    void UpsertTask(JobTask task);
    void InsertEvent(long jobId, JobEventView jobEvent);

    /// <summary>Commits durably.</summary>
    void Commit();
}
