namespace Lepton.Simulation.Jobs;

/// <summary>One (policy, queue discipline) cell of a job sweep: each headline metric's median over the seeds with a 95 % interval.</summary>
/// <param name="Policy">Placement policy.</param>
/// <param name="Queue">Queue discipline.</param>
/// <param name="Runs">Seeds run.</param>
/// <param name="Metrics">Metric name → median and interval; names as in <see cref="JobSweep.MetricNames"/>.</param>
public sealed record JobSweepSummary(string Policy, string Queue, int Runs, IReadOnlyDictionary<string, MedianInterval> Metrics);
