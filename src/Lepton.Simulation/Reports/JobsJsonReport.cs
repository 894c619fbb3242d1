using System.Text.Json;
using Lepton.Core.Queueing;
using Lepton.Simulation.Jobs;

namespace Lepton.Simulation.Reports;

/// <summary>Writes a job-trace simulation as JSON: the headline metrics, every job and the utilisation timeline.</summary>
/// <remarks>Times are in hours; percentages are of the cluster's capacity; a resource the cluster lacks is <c>null</c>.</remarks>
public static class JobsJsonReport
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The JSON document for <paramref name="result"/>, with <paramref name="metrics"/> (default: over the whole run).</summary>
    public static string Render(JobSimulationResult result, JobMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        var u = result.Utilisation;
        var document = new
        {
            policy = result.Policy,
            queue = result.Discipline.Name,
            order = QueueDiscipline.OrderName(result.Discipline.Order),
            backfill = result.Discipline.Backfill.ToString().ToLowerInvariant(),
            seed = result.Seed,
            jobs = result.Jobs.Count,
            completed = result.Completed,
            makespanHours = result.Makespan.TotalHours,
            averageCompletionHours = result.AverageCompletionTime.TotalHours,
            p99CompletionHours = result.P99CompletionTime.TotalHours,
            averageQueueingDelayHours = result.AverageQueueingDelay.TotalHours,
            utilisationPct = Resources(u.CpuPct, u.MemoryPct, u.GpuPct, u.FpgaPct, u.NetworkPct),
            clusterCost = result.ClusterCost,
            jobCost = result.JobCost,
            energyKWh = result.EnergyKWh,
            defragRounds = result.DefragRounds,
            defragMoves = result.DefragMoves,
            metrics = Document(metrics ?? JobMetrics.Of(result)),
            perJob = result.Jobs.Select(j => new
            {
                name = j.Name,
                arrivalHours = j.Arrival.TotalHours,
                startHours = j.Start?.TotalHours,
                finishHours = j.Finish?.TotalHours,
                completionHours = j.CompletionTime?.TotalHours,
                queueingDelayHours = j.QueueingDelay?.TotalHours,
                nodes = j.Nodes,
                cost = j.Cost,
                tenant = j.Tenant,
                gpus = j.Gpus,
                replicas = j.Replicas,
                gpuModel = j.GpuModel,
                slowdown = j.Slowdown,
                deadlineHours = j.Deadline?.TotalHours,
                missedDeadline = j.MissedDeadline,
                preemptions = j.Preemptions,
                moves = j.Moves,
                reservedStartHours = j.ReservedStart?.TotalHours,
                pendingReason = j.PendingReason,
            }),
            timeline = result.Timeline.Select(s => new
            {
                hours = s.Time.TotalHours,
                utilisationPct = Resources(s.CpuPct, s.MemoryPct, s.GpuPct, s.FpgaPct, s.NetworkPct),
                running = s.Running,
                queued = s.Queued,
                powerWatts = s.PowerWatts,
                fragmentedGpus = s.FragmentedGpus,
                fragmentationPct = s.FragmentationPct,
                strandedGpus = s.StrandedGpus,
            }),
        };
        return JsonSerializer.Serialize(document, Options);
    }

    /// <summary>The JSON document of a sweep: one entry per run (metrics only) and the per-(policy, queue) summaries.</summary>
    public static string RenderSweep(IReadOnlyList<JobSweepRun> runs, IReadOnlyList<JobSweepSummary> summaries)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(summaries);
        var document = new
        {
            runs = runs.Select(r => new
            {
                policy = r.Policy,
                queue = r.Queue,
                seed = r.Seed,
                jobs = r.Result.Jobs.Count,
                completed = r.Result.Completed,
                makespanHours = r.Result.Makespan.TotalHours,
                metrics = Document(r.Metrics),
            }),
            summary = summaries.Select(s => new
            {
                policy = s.Policy,
                queue = s.Queue,
                runs = s.Runs,
                metrics = s.Metrics.ToDictionary(m => m.Key, m => new
                {
                    median = Finite(m.Value.Median),
                    low95 = Finite(m.Value.Low),
                    high95 = Finite(m.Value.High),
                }),
            }),
        };
        return JsonSerializer.Serialize(document, Options);
    }

    private static object Document(JobMetrics m) => new
    {
        windowStartHours = m.WindowStart.TotalHours,
        windowEndHours = m.WindowEnd.TotalHours,
        gpuAllocationPct = Finite(m.GpuAllocationPct),
        cpuAllocationPct = Finite(m.CpuAllocationPct),
        fragmentedGpus = Finite(m.FragmentedGpus),
        fragmentationPct = Finite(m.FragmentationPct),
        strandedGpus = Finite(m.StrandedGpus),
        overall = Group(m.Overall),
        byTenant = m.ByTenant.Select(Group),
        bySize = m.BySize.Select(Group),
        byGpuModel = m.ByGpuModel.Select(Group),
        gangWaitHours = Dist(m.GangWaitHours),
        jobsWithDeadline = m.JobsWithDeadline,
        sloMisses = m.SloMisses,
        preemptions = m.Preemptions,
    };

    private static object Group(JobGroupMetrics g) => new
    {
        group = g.Group,
        jobs = g.Jobs,
        completed = g.Completed,
        queueingDelayHours = Dist(g.QueueingDelayHours),
        completionHours = Dist(g.CompletionHours),
        slowdown = Dist(g.Slowdown),
    };

    private static object Dist(Distribution d) => new
    {
        count = d.Count,
        mean = Finite(d.Mean),
        p50 = Finite(d.P50),
        p90 = Finite(d.P90),
        p99 = Finite(d.P99),
    };

    private static Dictionary<string, double?> Resources(double cpu, double memory, double gpu, double fpga, double network) => new()
    {
        ["cpu"] = Finite(cpu),
        ["memory"] = Finite(memory),
        ["gpu"] = Finite(gpu),
        ["fpga"] = Finite(fpga),
        ["network"] = Finite(network),
    };

    private static double? Finite(double value) => double.IsFinite(value) ? value : null;
}
