namespace Lepton.Simulation.Jobs;

/// <summary>The order in which queued jobs are offered to the placement engine at each scheduling pass.</summary>
public enum JobOrder
{
    /// <summary>Arrival order (ties: file order).</summary>
    Fifo,

    /// <summary>Higher priority first, then arrival order.</summary>
    Priority,

    /// <summary>Longest duration first, then arrival order (LPT: good for makespan).</summary>
    LongestFirst,

    /// <summary>Shortest duration first, then arrival order (SPT: good for mean completion time).</summary>
    ShortestFirst,
}
