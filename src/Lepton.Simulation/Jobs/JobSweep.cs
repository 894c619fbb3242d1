using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Queueing;

namespace Lepton.Simulation.Jobs;

/// <summary>Runs a job trace under every (policy, queue discipline, seed) combination in parallel and summarises each
/// combination over its seeds (median and 95 % interval), as <c>simulate openb</c> does for its grid.</summary>
/// <remarks>A seed changes only what is random in a run: the placement core's tie-break ranks among equally good nodes
/// and the <c>random</c> policy. Arrivals and durations come from the trace and are never shuffled, so a deterministic
/// policy whose scores never tie gives the same result for every seed (and a zero-width interval).</remarks>
public static class JobSweep
{
    /// <summary>The headline metrics summarised per combination, in report order.</summary>
    public static IReadOnlyList<string> MetricNames { get; } =
    [
        "gpuAllocationPct", "fragmentationPct", "fragmentedGpus", "strandedGpus", "makespanHours",
        "meanCompletionHours", "p50CompletionHours", "p90CompletionHours", "p99CompletionHours",
        "meanQueueingHours", "p50QueueingHours", "p90QueueingHours", "p99QueueingHours",
        "meanSlowdown", "p99Slowdown", "meanGangWaitHours", "sloMisses", "completed",
    ];

    /// <summary>Runs the grid; runs come back in (policy, queue, seed) order whatever finished first.</summary>
    public static IReadOnlyList<JobSweepRun> Run(IReadOnlyList<NodeSpec> nodes, IReadOnlyList<SimulatedJob> jobs,
        IReadOnlyList<PlacementPolicy> policies, IReadOnlyList<QueueDiscipline> queues, IReadOnlyList<int> seeds,
        TimeSpan? windowStart = null, TimeSpan? windowEnd = null, int maxParallelism = 0, Action<JobSweepRun>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policies);
        ArgumentNullException.ThrowIfNull(queues);
        ArgumentNullException.ThrowIfNull(seeds);
        var cells = (from p in policies from q in queues from s in seeds select (p, q, s)).ToArray();
        var runs = new JobSweepRun[cells.Length];
        Parallel.For(0, cells.Length, new ParallelOptions
        {
            MaxDegreeOfParallelism = maxParallelism > 0 ? maxParallelism : Environment.ProcessorCount,
            CancellationToken = cancellationToken,
        }, i =>
        {
            var (policy, queue, seed) = cells[i];
            var result = JobSimulation.Run(nodes, jobs, policy, new JobSimulationOptions { Discipline = queue, Seed = seed });
            runs[i] = new JobSweepRun(policy.Name, queue.Name, seed, result, JobMetrics.Of(result, windowStart, windowEnd));
            progress?.Invoke(runs[i]);
        });
        return runs;
    }

    /// <summary>One summary per (policy, queue), in the order they first appear in <paramref name="runs"/>.</summary>
    public static IReadOnlyList<JobSweepSummary> Summarise(IReadOnlyList<JobSweepRun> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        return [.. runs.GroupBy(r => (r.Policy, r.Queue)).Select(g => new JobSweepSummary(g.Key.Policy, g.Key.Queue, g.Count(),
            MetricNames.ToDictionary(name => name, name => MedianInterval.Of(g.Select(r => Metric(r, name))), StringComparer.Ordinal)))];
    }

    /// <summary>The value of one headline metric (see <see cref="MetricNames"/>) in one run.</summary>
    public static double Metric(JobSweepRun run, string name)
    {
        ArgumentNullException.ThrowIfNull(run);
        var m = run.Metrics;
        return name switch
        {
            "gpuAllocationPct" => m.GpuAllocationPct,
            "fragmentationPct" => m.FragmentationPct,
            "fragmentedGpus" => m.FragmentedGpus,
            "strandedGpus" => m.StrandedGpus,
            "makespanHours" => run.Result.Makespan.TotalHours,
            "meanCompletionHours" => m.Overall.CompletionHours.Mean,
            "p50CompletionHours" => m.Overall.CompletionHours.P50,
            "p90CompletionHours" => m.Overall.CompletionHours.P90,
            "p99CompletionHours" => m.Overall.CompletionHours.P99,
            "meanQueueingHours" => m.Overall.QueueingDelayHours.Mean,
            "p50QueueingHours" => m.Overall.QueueingDelayHours.P50,
            "p90QueueingHours" => m.Overall.QueueingDelayHours.P90,
            "p99QueueingHours" => m.Overall.QueueingDelayHours.P99,
            "meanSlowdown" => m.Overall.Slowdown.Mean,
            "p99Slowdown" => m.Overall.Slowdown.P99,
            "meanGangWaitHours" => m.GangWaitHours.Mean,
            "sloMisses" => m.SloMisses,
            "completed" => m.Overall.Completed,
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown metric"),
        };
    }
}
