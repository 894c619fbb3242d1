namespace Lepton.Simulation.Jobs;

/// <summary>What happened to one job: when it arrived, started and finished, and where its replicas ran.</summary>
/// <param name="Name">Job name.</param>
/// <param name="Arrival">Arrival time.</param>
/// <param name="Start">When every replica was placed (the last time, if it was preempted); null if it never started.</param>
/// <param name="Finish">When it left; null if it never finished.</param>
/// <param name="Nodes">The node of each replica, in replica order (empty if it never started).</param>
/// <param name="Cost">The job's cost from the trace, if given.</param>
/// <param name="PendingReason">Why a job that never started could not be placed; null otherwise.</param>
public sealed record JobOutcome(string Name, TimeSpan Arrival, TimeSpan? Start, TimeSpan? Finish, IReadOnlyList<string> Nodes, double? Cost, string? PendingReason)
{
    /// <summary>Owning tenant.</summary>
    public string Tenant { get; init; } = "default";

    /// <summary>GPUs the job holds (its size).</summary>
    public double Gpus { get; init; }

    /// <summary>Replicas (more than one: a gang).</summary>
    public int Replicas { get; init; } = 1;

    /// <summary>The GPU model it ran on (that of its slowest node for a gang over several models); empty without GPUs.</summary>
    public string GpuModel { get; init; } = "";

    /// <summary>Its run time on the fastest GPU model of the cluster, the denominator of <see cref="Slowdown"/>.</summary>
    public TimeSpan FastestDuration { get; init; }

    /// <summary>Completion-time objective from arrival, if it has one.</summary>
    public TimeSpan? Deadline { get; init; }

    /// <summary>How often it was preempted (each time it lost its work and queued again).</summary>
    public int Preemptions { get; init; }

    /// <summary>How often consolidation moved it (each move kept its work and cost it the move cost).</summary>
    public int Moves { get; init; }

    /// <summary>The earliest start any EASY reservation promised it (null when it never held one).</summary>
    public TimeSpan? ReservedStart { get; init; }

    /// <summary>The latest start any EASY reservation promised it (null when it never held one).</summary>
    public TimeSpan? LatestReservedStart { get; init; }

    /// <summary>Completion time (finish − arrival), if it finished.</summary>
    public TimeSpan? CompletionTime => Finish - Arrival;

    /// <summary>Time spent queued (start − arrival), if it started.</summary>
    public TimeSpan? QueueingDelay => Start - Arrival;

    /// <summary>Completion time over the run time on the fastest model (1 = started at once on the best GPU).</summary>
    public double? Slowdown => CompletionTime is { } jct && FastestDuration > TimeSpan.Zero ? jct / FastestDuration : null;

    /// <summary>Whether it missed its deadline (finished late or never); null when it has none.</summary>
    public bool? MissedDeadline => Deadline is { } d ? CompletionTime is not { } jct || jct > d : null;

    /// <summary>Topology metrics of where it ran (null without a network model or if it never started).</summary>
    public Topology.TopologyEffect? Topology { get; init; }
}
