namespace Lepton.Simulation.Jobs;

/// <summary>What happened to one job: when it arrived, started and finished, and where its replicas ran.</summary>
/// <param name="Name">Job name.</param>
/// <param name="Arrival">Arrival time.</param>
/// <param name="Start">When every replica was placed; null if it never started.</param>
/// <param name="Finish">When it left; null if it never started.</param>
/// <param name="Nodes">The node of each replica, in replica order (empty if it never started).</param>
/// <param name="Cost">The job's cost from the trace, if given.</param>
/// <param name="PendingReason">Why a job that never started could not be placed; null otherwise.</param>
public sealed record JobOutcome(string Name, TimeSpan Arrival, TimeSpan? Start, TimeSpan? Finish, IReadOnlyList<string> Nodes, double? Cost, string? PendingReason)
{
    /// <summary>Completion time (finish − arrival), if it finished.</summary>
    public TimeSpan? CompletionTime => Finish - Arrival;

    /// <summary>Time spent queued (start − arrival), if it started.</summary>
    public TimeSpan? QueueingDelay => Start - Arrival;
}
