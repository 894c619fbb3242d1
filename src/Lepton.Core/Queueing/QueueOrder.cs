namespace Lepton.Core.Queueing;

/// <summary>The order in which a scheduling cycle considers the pending jobs.</summary>
public enum QueueOrder
{
    /// <summary>Priority descending, then arrival (<see cref="QueuedJob.Sequence"/>) ascending.</summary>
    Priority,

    /// <summary>Arrival only: priority is ignored for the order (it still decides preemption).</summary>
    Arrival,

    /// <summary>Longest declared duration first (LPT, good for makespan); jobs without one last; ties by arrival.</summary>
    LongestFirst,

    /// <summary>Shortest declared duration first (SPT, good for mean completion time); jobs without one last; ties by arrival.</summary>
    ShortestFirst,
}
