namespace Lepton.Core.Queueing;

/// <summary>A bound job evicted (all its replicas) to make room for a more important one.</summary>
/// <param name="JobId">The evicted job.</param>
/// <param name="ForJobId">The job it makes room for.</param>
/// <param name="Reason">The reason the evicted job carries back to Pending.</param>
public sealed record Eviction(long JobId, long ForJobId, QueueReason Reason);
