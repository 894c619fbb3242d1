using Lepton.Core.Queueing;

namespace Lepton.Simulation.Jobs;

/// <summary>The outcome of a job-trace simulation: per-job results and the cluster-level metrics.</summary>
/// <param name="Policy">Placement policy name.</param>
/// <param name="Discipline">The planner's queue discipline.</param>
/// <param name="Jobs">One outcome per job, in file order.</param>
/// <param name="Start">Earliest arrival (the makespan's origin).</param>
/// <param name="End">Last finish (equals <paramref name="Start"/> when nothing ran).</param>
/// <param name="Utilisation">Time-weighted allocation per resource over [Start, End].</param>
/// <param name="Timeline">Allocation after every event time, in time order.</param>
/// <param name="ClusterCost">Σ node price per hour × (End − Start) in hours: what keeping the cluster up cost.</param>
/// <param name="EnergyKWh">∫ cluster power dt over [Start, End], in kWh; power is Core's model (<see cref="Lepton.Core.Power.ClusterPower"/>):
/// sockets and GPUs by what is allocated, mapped onto a node's declared idle/peak watts when it has them, standby when off.</param>
public sealed record JobSimulationResult(
    string Policy,
    QueueDiscipline Discipline,
    IReadOnlyList<JobOutcome> Jobs,
    TimeSpan Start,
    TimeSpan End,
    ResourceUtilisation Utilisation,
    IReadOnlyList<UtilisationSample> Timeline,
    double ClusterCost,
    double EnergyKWh)
{
    /// <summary>The seed the run used.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Nodes woken by power-down (0 without it).</summary>
    public int Wakes { get; init; }

    /// <summary>Node power-offs by power-down (0 without it).</summary>
    public int PowerOffs { get; init; }

    /// <summary>Whether idle nodes were powered down.</summary>
    public bool PowerDown { get; init; }

    /// <summary>Consolidation rounds that moved at least one job (0 without <see cref="JobSimulationOptions.Defrag"/>).</summary>
    public int DefragRounds { get; init; }

    /// <summary>Jobs moved by consolidation, over all rounds.</summary>
    public int DefragMoves { get; init; }

    /// <summary>GPUs in the cluster.</summary>
    public int TotalGpus { get; init; }

    /// <summary>Last finish minus first arrival.</summary>
    public TimeSpan Makespan => End - Start;

    /// <summary>Jobs that ran to completion.</summary>
    public int Completed => Jobs.Count(j => j.Finish is not null);

    /// <summary>Mean completion time (finish − arrival) of the completed jobs.</summary>
    public TimeSpan AverageCompletionTime => Average(Jobs.Select(j => j.CompletionTime));

    /// <summary>99th percentile (nearest rank) of the completion times.</summary>
    public TimeSpan P99CompletionTime
    {
        get
        {
            var sorted = Jobs.Where(j => j.CompletionTime is not null).Select(j => j.CompletionTime!.Value).Order().ToArray();
            return sorted.Length == 0 ? TimeSpan.Zero : sorted[(int)Math.Ceiling(0.99 * sorted.Length) - 1];
        }
    }

    /// <summary>Mean time from arrival to start of the jobs that started.</summary>
    public TimeSpan AverageQueueingDelay => Average(Jobs.Select(j => j.QueueingDelay));

    /// <summary>Σ of the jobs' own costs, or null when the trace gives none.</summary>
    public double? JobCost => Jobs.Any(j => j.Cost is not null) ? Jobs.Sum(j => j.Cost ?? 0) : null;

    /// <summary>The headline utilisation: GPU when the cluster has GPUs, CPU otherwise.</summary>
    public double HeadlineUtilisationPct => double.IsNaN(Utilisation.GpuPct) ? Utilisation.CpuPct : Utilisation.GpuPct;

    private static TimeSpan Average(IEnumerable<TimeSpan?> values)
    {
        var present = values.Where(v => v is not null).Select(v => v!.Value.Ticks).ToArray();
        return present.Length == 0 ? TimeSpan.Zero : TimeSpan.FromTicks((long)present.Average());
    }
}
