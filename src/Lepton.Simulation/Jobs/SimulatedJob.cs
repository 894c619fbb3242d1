using Lepton.Core.Workloads;

namespace Lepton.Simulation.Jobs;

/// <summary>A job in a job trace: when it arrives, how long it runs once started, what it costs, and its replicas.</summary>
/// <param name="Name">Unique job name.</param>
/// <param name="Arrival">Arrival time from the start of the trace.</param>
/// <param name="Duration">Run time once all replicas are placed.</param>
/// <param name="Cost">The job's own cost if the trace gives one (e.g. a charge-back figure); null otherwise.</param>
/// <param name="Replicas">The tasks of the job (a gang: placed all or nothing), each with the per-replica request.</param>
/// <param name="Line">The 1-based line the job starts on in its file (0 when built in code), for messages.</param>
public sealed record SimulatedJob(string Name, TimeSpan Arrival, TimeSpan Duration, double? Cost, IReadOnlyList<TaskRequest> Replicas, int Line = 0)
{
    /// <summary>The tenant that owns the job (for quotas and per-tenant metrics).</summary>
    public string Tenant { get; init; } = "default";

    /// <summary>The completion-time objective, counted from arrival: a job that finishes later (or never) misses its SLO.</summary>
    public TimeSpan? Deadline { get; init; }

    /// <summary>The run time the submitter declared (a wall-time estimate, as in Slurm), which the scheduler sees; null
    /// when the trace gives none, in which case the simulator tells the scheduler the true duration (a perfect estimate).</summary>
    public TimeSpan? DeclaredDuration { get; init; }

    /// <summary>The job's priority (that of its replicas), 1..9.</summary>
    public int Priority => Replicas.Count > 0 ? Replicas[0].Priority : 5;

    /// <summary>Whether a more important job may evict it (that of its replicas).</summary>
    public bool Preemptible => Replicas.Count > 0 && Replicas[0].Preemptible;

    /// <summary>GPUs the whole job holds (a share of a GPU counts as its fraction).</summary>
    public double Gpus => Replicas.Sum(r => r.GpuCount * (r.GpuMilliPerGpu is > 0 and < 1000 ? r.GpuMilliPerGpu / 1000.0 : 1.0));

    /// <summary>The run time on a node with GPU model <paramref name="gpuModel"/> (null or empty: a node without GPUs).</summary>
    /// <remarks>The one place the engine reads a run time, so that a per-model duration table can stand behind it.</remarks>
    public TimeSpan DurationOn(string? gpuModel) => Duration;
}
