using Lepton.Core.Workloads;

namespace Lepton.Core.Placement;

/// <summary>The outcome for one task: the node and GPU indices it got, or the reason it is pending.</summary>
public sealed record TaskPlacement(TaskRequest Task, string? Node, IReadOnlyList<int> Gpus, PendingReason? Reason)
{
    /// <summary>True when the task got a node.</summary>
    public bool IsPlaced => Node is not null;
}
