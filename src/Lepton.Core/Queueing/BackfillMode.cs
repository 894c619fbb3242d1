namespace Lepton.Core.Queueing;

/// <summary>What a cycle does with the jobs behind the first job (the head) that cannot be placed.</summary>
public enum BackfillMode
{
    /// <summary>Nothing: they wait behind the head (strict order, no starvation of large jobs, idle capacity).</summary>
    None,

    /// <summary>Any later job that fits is placed (greedy backfill: full use, but a large head job can starve).</summary>
    Greedy,

    /// <summary>EASY backfill: the head gets a reservation (the earliest time and place it fits, from the running jobs'
    /// remaining durations); a later job is placed only if it cannot delay that reservation.</summary>
    Easy,
}
