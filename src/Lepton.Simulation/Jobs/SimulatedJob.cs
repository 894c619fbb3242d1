using Lepton.Core.Workloads;

namespace Lepton.Simulation.Jobs;

/// <summary>A job in a job trace: when it arrives, how long it runs once started, what it costs, and its replicas.</summary>
/// <param name="Name">Unique job name.</param>
/// <param name="Arrival">Arrival time from the start of the trace.</param>
/// <param name="Duration">Run time once all replicas are placed (the base duration: on a CPU-only node, on a GPU model
/// the <see cref="DurationByModel"/> table does not name, or when the job has no table).</param>
/// <param name="Cost">The job's own cost if the trace gives one (e.g. a charge-back figure); null otherwise.</param>
/// <param name="Replicas">The tasks of the job (a gang: placed all or nothing), each with the per-replica request.</param>
/// <param name="Line">The 1-based line the job starts on in its file (0 when built in code), for messages.</param>
public sealed record SimulatedJob(string Name, TimeSpan Arrival, TimeSpan Duration, double? Cost, IReadOnlyList<TaskRequest> Replicas, int Line = 0)
{
    private static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>();

    /// <summary>The tenant that owns the job (for quotas and per-tenant metrics).</summary>
    public string Tenant { get; init; } = "default";

    /// <summary>The completion-time objective, counted from arrival: a job that finishes later (or never) misses its SLO.</summary>
    public TimeSpan? Deadline { get; init; }

    /// <summary>The run time the submitter declared (a wall-time estimate, as in Slurm), which the scheduler sees; null
    /// when the trace gives none, in which case the simulator tells the scheduler the true duration (a perfect estimate).</summary>
    public TimeSpan? DeclaredDuration { get; init; }

    /// <summary>The job's priority (that of its replicas), 1..9.</summary>
    public int Priority => Replicas.Count > 0 ? Replicas[0].Priority : 5;

    /// <summary>Run time per GPU model (keys compared case-insensitively); null when the job runs equally fast everywhere.</summary>
    /// <remarks>Readers build it from a throughput table (Gavel: total steps / steps per second on each model) and put
    /// the same table, as throughputs, on every replica's <see cref="TaskRequest.GpuModelThroughput"/> so that
    /// heterogeneity-aware policies see it.</remarks>
    public IReadOnlyDictionary<string, TimeSpan>? DurationByModel { get; init; }

    /// <summary>What the trace says about the job beyond its request (openb <c>qos</c>, <c>pod_phase</c>; Alibaba <c>role</c>,
    /// <c>app</c>), kept for reports and breakdowns.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = NoLabels;

    /// <summary>True when the trace ends before the job does (right-censored): <see cref="Duration"/> then runs to the end
    /// of the trace, and the job's true run time is longer.</summary>
    public bool Censored { get; init; }

    /// <summary>The job's run time on a node with GPU model <paramref name="gpuModel"/> (null or empty: a CPU-only node).</summary>
    /// <returns>The table's entry for the model (case-insensitive), else the base <see cref="Duration"/>.</returns>
    public TimeSpan DurationOn(string? gpuModel)
    {
        if (DurationByModel is not { } table || string.IsNullOrEmpty(gpuModel))
        {
            return Duration;
        }

        if (table.TryGetValue(gpuModel, out var onModel))
        {
            return onModel;
        }

        // A table built in code may use an ordinal comparer; model names still match case-insensitively.
        foreach (var (model, duration) in table)
        {
            if (string.Equals(model, gpuModel, StringComparison.OrdinalIgnoreCase))
            {
                return duration;
            }
        }

        return Duration;
    }

    /// <summary>Whether a more important job may evict it (that of its replicas).</summary>
    public bool Preemptible => Replicas.Count > 0 && Replicas[0].Preemptible;

    /// <summary>GPUs the whole job holds (a share of a GPU counts as its fraction).</summary>
    public double Gpus => Replicas.Sum(r => r.GpuCount * (r.GpuMilliPerGpu is > 0 and < 1000 ? r.GpuMilliPerGpu / 1000.0 : 1.0));
}
