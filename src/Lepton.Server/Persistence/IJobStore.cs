namespace Lepton.Server.Persistence;

/// <summary>The durable store behind the control plane: loads everything at start, then persists row changes in transactions.</summary>
/// <remarks>
/// The control plane keeps the authoritative working copy in memory and writes every change through one
/// <see cref="IStoreTransaction"/> per batch (group commit), so a store needs only whole-row upserts and inserts.
/// A transaction that returns from <see cref="IStoreTransaction.Commit"/> must be durable (survive power loss / kill -9).
/// Implementations: <see cref="SqliteJobStore"/> (embedded default).
/// </remarks>
internal interface IJobStore : IDisposable
{
    /// <summary>Reads every row (at start-up).</summary>
    StoreContents Load();

    /// <summary>Starts a write transaction; only one is open at a time.</summary>
    IStoreTransaction Begin();
}
