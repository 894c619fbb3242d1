using Lepton.Core.Cluster;

namespace Lepton.Core.Placement.Consolidation;

/// <summary>What a consolidation planner works on: the cluster with everything allocated, the tasks it may move and the cap.</summary>
/// <param name="Cluster">Every running task allocated (movable ones included); a planner leaves it as it found it.</param>
/// <param name="Movable">The tasks that may move; every other allocation stays where it is.</param>
public sealed record ConsolidationRequest(ClusterState Cluster, IReadOnlyList<MovableTask> Movable)
{
    /// <summary>What to free.</summary>
    public ConsolidationGoal Goal { get; init; } = ConsolidationGoal.Gpus;

    /// <summary>At most this many tasks move.</summary>
    public int MaxMoves { get; init; } = 10;

    /// <summary>How long a solver may search (a greedy planner ignores it).</summary>
    public TimeSpan TimeLimit { get; init; } = TimeSpan.FromSeconds(2);
}
