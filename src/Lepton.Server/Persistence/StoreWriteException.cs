namespace Lepton.Server.Persistence;

/// <summary>A write to the store failed (disk full, I/O error): the whole transaction is lost, not just one change in it.</summary>
/// <remarks>Thrown through a mutation rather than caught as that mutation's own failure, so that the control plane fails the
/// whole group and rolls its model back: after such an error SQLite may already have rolled the transaction back.</remarks>
internal sealed class StoreWriteException(string message, Exception inner) : Exception(message, inner);
