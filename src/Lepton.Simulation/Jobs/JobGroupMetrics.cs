namespace Lepton.Simulation.Jobs;

/// <summary>Per-group job metrics (all jobs, one tenant, one size, one GPU model): times in hours.</summary>
/// <param name="Group">The group's name.</param>
/// <param name="Jobs">Jobs in the group.</param>
/// <param name="Completed">Of which finished.</param>
/// <param name="QueueingDelayHours">Start − arrival of the jobs that started.</param>
/// <param name="CompletionHours">Finish − arrival of the jobs that finished (JCT).</param>
/// <param name="Slowdown">JCT over the run time on the cluster's fastest GPU model.</param>
public sealed record JobGroupMetrics(string Group, int Jobs, int Completed, Distribution QueueingDelayHours, Distribution CompletionHours, Distribution Slowdown)
{
    /// <summary>The metrics of <paramref name="jobs"/>.</summary>
    public static JobGroupMetrics Of(string group, IReadOnlyCollection<JobOutcome> jobs)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        return new JobGroupMetrics(group, jobs.Count, jobs.Count(j => j.Finish is not null),
            Distribution.Of(jobs.Where(j => j.QueueingDelay is not null).Select(j => j.QueueingDelay!.Value.TotalHours)),
            Distribution.Of(jobs.Where(j => j.CompletionTime is not null).Select(j => j.CompletionTime!.Value.TotalHours)),
            Distribution.Of(jobs.Where(j => j.Slowdown is not null).Select(j => j.Slowdown!.Value)));
    }
}
