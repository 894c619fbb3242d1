namespace Lepton.Simulation.Jobs;

/// <summary>The metrics that tell scheduling policies apart, computed from one <see cref="JobSimulationResult"/>.</summary>
/// <remarks>
/// <para>Cluster metrics are time-weighted means over a window (default: first arrival to last finish; the user sets
/// another with <c>--window</c>, e.g. the saturated middle of a trace): GPU allocation, FGD fragmentation (the idle
/// GPU that the workload's typical tasks cannot use, in GPUs and as % of the idle GPU) and stranded GPUs (idle GPUs on
/// nodes whose free CPU or memory cannot host the smallest GPU task).</para>
/// <para>Job metrics are distributions (mean, p50, p90, p99) of queueing delay, completion time (JCT) and slowdown
/// (JCT over the run time on the fastest GPU model of the cluster, see <see cref="SimulatedJob.DurationOn"/>), overall
/// and per tenant, per job size (GPUs) and per GPU model the job ran on. Gang wait is the queueing delay of the jobs
/// with more than one replica. SLO misses count jobs with a deadline that finished later than it (or never).</para>
/// </remarks>
/// <param name="WindowStart">Window start.</param>
/// <param name="WindowEnd">Window end.</param>
/// <param name="GpuAllocationPct">Mean GPU allocation over the window, % of the cluster's GPUs.</param>
/// <param name="CpuAllocationPct">Mean CPU allocation over the window.</param>
/// <param name="FragmentedGpus">Mean FGD fragmentation over the window, in GPUs.</param>
/// <param name="FragmentationPct">Mean FGD fragmentation over the window, % of the idle GPU.</param>
/// <param name="StrandedGpus">Mean stranded GPUs over the window.</param>
/// <param name="Overall">All jobs.</param>
/// <param name="ByTenant">Per tenant.</param>
/// <param name="BySize">Per job size in GPUs (0 = CPU only).</param>
/// <param name="ByGpuModel">Per GPU model the job ran on.</param>
/// <param name="GangWaitHours">Queueing delay of the jobs with more than one replica.</param>
/// <param name="JobsWithDeadline">Jobs that have a deadline.</param>
/// <param name="SloMisses">Of which missed it.</param>
/// <param name="Preemptions">Evictions over the run.</param>
public sealed record JobMetrics(
    TimeSpan WindowStart,
    TimeSpan WindowEnd,
    double GpuAllocationPct,
    double CpuAllocationPct,
    double FragmentedGpus,
    double FragmentationPct,
    double StrandedGpus,
    JobGroupMetrics Overall,
    IReadOnlyList<JobGroupMetrics> ByTenant,
    IReadOnlyList<JobGroupMetrics> BySize,
    IReadOnlyList<JobGroupMetrics> ByGpuModel,
    Distribution GangWaitHours,
    int JobsWithDeadline,
    int SloMisses,
    int Preemptions)
{
    /// <summary>The metrics of <paramref name="result"/> with cluster means over [<paramref name="windowStart"/>,
    /// <paramref name="windowEnd"/>] (each defaults to the run's start or end).</summary>
    public static JobMetrics Of(JobSimulationResult result, TimeSpan? windowStart = null, TimeSpan? windowEnd = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        var from = windowStart ?? result.Start;
        var to = windowEnd ?? result.End;
        var t = result.Timeline;
        double Mean(Func<UtilisationSample, double> value) => TimelineMath.Mean(t, from, to, value);
        var jobs = result.Jobs;
        return new JobMetrics(from, to,
            Mean(s => s.GpuPct), Mean(s => s.CpuPct), Mean(s => s.FragmentedGpus), Mean(s => s.FragmentationPct), Mean(s => s.StrandedGpus),
            JobGroupMetrics.Of("all", jobs),
            Groups(jobs, j => j.Tenant, StringComparer.Ordinal),
            Groups(jobs, j => SizeName(j.Gpus), Comparer<string>.Create((a, b) => SizeKey(a).CompareTo(SizeKey(b)))),
            Groups(jobs.Where(j => j.Start is not null).ToList(), j => j.GpuModel.Length == 0 ? "(no GPU)" : j.GpuModel, StringComparer.Ordinal),
            Distribution.Of(jobs.Where(j => j.Replicas > 1 && j.QueueingDelay is not null).Select(j => j.QueueingDelay!.Value.TotalHours)),
            jobs.Count(j => j.Deadline is not null),
            jobs.Count(j => j.MissedDeadline == true),
            jobs.Sum(j => j.Preemptions));
    }

    private static List<JobGroupMetrics> Groups(IReadOnlyList<JobOutcome> jobs, Func<JobOutcome, string> key, IComparer<string> order) =>
        [.. jobs.GroupBy(key).OrderBy(g => g.Key, order).Select(g => JobGroupMetrics.Of(g.Key, g.ToList()))];

    /// <summary>A job size's group name: whole GPUs as a number, a share of one GPU as <c>&lt;1</c>.</summary>
    private static string SizeName(double gpus) =>
        gpus <= 0 ? "0 GPU" : gpus < 1 ? "<1 GPU" : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Math.Ceiling(gpus):0} GPU");

    private static double SizeKey(string name) =>
        name.StartsWith('<') ? 0.5 : double.Parse(name.AsSpan(0, name.IndexOf(' ', StringComparison.Ordinal)), System.Globalization.CultureInfo.InvariantCulture);
}
