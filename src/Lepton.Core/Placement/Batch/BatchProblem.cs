using Lepton.Core.Cluster;
using Lepton.Core.Workloads;

namespace Lepton.Core.Placement.Batch;

/// <summary>One batch to place at once: the cluster as it is now, the tasks, the objective, quotas and a time limit.</summary>
/// <param name="Cluster">Nodes and what they already hold; a placer leaves it as it found it.</param>
/// <param name="Tasks">The tasks; those sharing a <see cref="TaskRequest.Gang"/> id are placed all or nothing.</param>
public sealed record BatchProblem(ClusterState Cluster, IReadOnlyList<TaskRequest> Tasks)
{
    /// <summary>What to maximise.</summary>
    public BatchObjective Objective { get; init; } = BatchObjective.Priority;

    /// <summary>Hard caps on groups of tasks (tenants' quotas); empty for none.</summary>
    public IReadOnlyList<BatchQuota> Quotas { get; init; } = [];

    /// <summary>How long a solver may search; a greedy placer ignores it.</summary>
    public TimeSpan TimeLimit { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Seed and tie-break settings for the greedy policies (and the solver's seed).</summary>
    public PlacementOptions Options { get; init; } = new();
}
