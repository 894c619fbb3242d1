using Lepton.Core.Placement;

namespace Lepton.Core.Queueing;

/// <summary>A job placed by a cycle: one placement per replica, in replica order.</summary>
public sealed record Binding(long JobId, IReadOnlyList<NodePlacement> Placements)
{
    /// <summary>For a job that asked for topology, data locality or a latency budget: what placement kept or gave up and
    /// the transfer/latency estimate; null otherwise.</summary>
    public string? Topology { get; init; }
}
