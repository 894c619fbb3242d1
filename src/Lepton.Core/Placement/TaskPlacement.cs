using Lepton.Core.Workloads;

namespace Lepton.Core.Placement;

/// <summary>The outcome for one task: the node and GPU indices it got, or the reason it is pending.</summary>
public sealed record TaskPlacement(TaskRequest Task, string? Node, IReadOnlyList<int> Gpus, PendingReason? Reason)
{
    /// <summary>True when the task got a node.</summary>
    public bool IsPlaced => Node is not null;

    /// <summary>For a task that asked for topology, data locality or a latency budget: what placement kept or gave up,
    /// and the transfer/latency estimate; null otherwise.</summary>
    public string? Topology { get; init; }
}
