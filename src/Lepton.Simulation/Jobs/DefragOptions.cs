using Lepton.Core.Placement.Consolidation;

namespace Lepton.Simulation.Jobs;

/// <summary>Periodic consolidation in a job simulation: every <see cref="Every"/>, while jobs wait, Core's consolidation
/// planner (the one behind <c>lepton defrag</c>) plans at most <see cref="MaxMoves"/> moves and the simulator carries them out.</summary>
/// <remarks>A moved job runs nothing for <see cref="MoveCost"/>: it leaves its old room at once, holds its new room from
/// the move on and runs there after the cost. With <see cref="KeepWork"/> (checkpoint and restore) it keeps its progress
/// and finishes that much later (the work left is rescaled when the new node has another GPU model); without it, it
/// starts over, as a job the server requeues through the preemption path does (its command restarts).</remarks>
public sealed record DefragOptions
{
    /// <summary>Time between two consolidation rounds (the first one an interval after the first arrival).</summary>
    public TimeSpan Every { get; init; } = TimeSpan.FromHours(1);

    /// <summary>At most this many tasks move per round.</summary>
    public int MaxMoves { get; init; } = 10;

    /// <summary>What a move costs the moved job: time without progress before it resumes on its new node.</summary>
    public TimeSpan MoveCost { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>What a round frees: whole GPUs (moving GPU shares) or whole nodes.</summary>
    public ConsolidationGoal Goal { get; init; } = ConsolidationGoal.Gpus;

    /// <summary>Whether a moved job keeps the work it has done (true) or starts over on its new node (false).</summary>
    public bool KeepWork { get; init; } = true;

    /// <summary>Whether every one-replica job may move; false (as the server) moves only preemptible ones.</summary>
    public bool MoveAll { get; init; }

    /// <summary>Whether a round runs even when no job waits (false: moves are made only for someone who waits).</summary>
    public bool WhenIdle { get; init; }

    /// <summary>Whether a round's moves are carried out only when they let some waiting job fit that did not fit before
    /// (true), or whenever a job waits (false).</summary>
    /// <remarks>A job fits when each of its replicas has a node that passes every filter; for a gang that is necessary, not
    /// sufficient (its replicas may compete for the same room).</remarks>
    public bool OnlyWhenUseful { get; init; } = true;

    /// <summary>The planner; null is <see cref="GreedyConsolidationPlanner"/>, the one <c>lepton defrag</c> and the server use.</summary>
    public IConsolidationPlanner? Planner { get; init; }
}
