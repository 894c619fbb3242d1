using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Queueing;
using Lepton.Core.Resources;
using Lepton.Simulation.Jobs;

namespace Lepton.Simulation.Experiments;

/// <summary>Replays one job trace under no quotas, hard per-team quotas and fair share with borrowing and reclaim (the
/// same guarantees), and measures what each team gets.</summary>
/// <remarks>Per team: average JCT (finish − arrival) and slowdown (JCT / run time). Over the run: Jain's index over the
/// teams' normalised shares, where a team's share is the GPU-time it received divided by the GPU-time it demanded
/// (run time × GPUs of its finished jobs) over its JCT-weighted span, i.e. 1 / (its average slowdown weighted by GPU-time);
/// GPU utilisation (GPU-time run / GPUs × makespan); the longest wait (start − arrival).</remarks>
public static class FairnessExperiment
{
    /// <summary>Runs the three modes.</summary>
    /// <param name="nodes">The cluster.</param>
    /// <param name="jobs">The trace (tenants set).</param>
    /// <param name="guaranteeGpus">GPUs guaranteed per team (the hard quota in the quota mode).</param>
    /// <param name="policy">Placement policy.</param>
    /// <param name="discipline">Queue discipline.</param>
    public static IReadOnlyList<FairnessRun> Run(IReadOnlyList<NodeSpec> nodes, IReadOnlyList<SimulatedJob> jobs,
        IReadOnlyDictionary<string, int> guaranteeGpus, PlacementPolicy policy, QueueDiscipline discipline)
    {
        ArgumentNullException.ThrowIfNull(guaranteeGpus);
        var quotas = guaranteeGpus.ToDictionary(g => g.Key, g => new ResourceVector(long.MaxValue / 4, long.MaxValue / 4, g.Value * 1000L, long.MaxValue / 4, long.MaxValue / 4, long.MaxValue / 4),
            StringComparer.Ordinal);
        var shares = guaranteeGpus.ToDictionary(g => g.Key, g => new TenantShare(new ResourceVector(0, 0, g.Value * 1000L, 0, 0)), StringComparer.Ordinal);
        var fair = new FairSharePolicy(shares, FairSharePolicy.DefaultAgingInterval);
        return
        [
            Measure("no quotas", nodes, JobSimulation.Run(nodes, jobs, policy, new JobSimulationOptions { Discipline = discipline })),
            Measure("hard quotas", nodes, JobSimulation.Run(nodes, jobs, policy, new JobSimulationOptions { Discipline = discipline, Quotas = quotas })),
            Measure("fair share", nodes, JobSimulation.Run(nodes, jobs, policy, new JobSimulationOptions { Discipline = discipline, FairShare = fair })),
        ];
    }

    /// <summary>The fairness numbers of one run.</summary>
    public static FairnessRun Measure(string mode, IReadOnlyList<NodeSpec> nodes, JobSimulationResult result)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(result);
        var gpus = nodes.Sum(n => (double)n.GpuCount);
        var finished = result.Jobs.Where(j => j.Finish is not null && j.Start is not null).ToList();
        var teams = new List<TeamFairness>();
        foreach (var group in result.Jobs.GroupBy(j => j.Tenant).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var done = group.Where(j => j.Finish is not null && j.Start is not null).ToList();
            var jct = done.Count == 0 ? 0 : done.Average(j => (j.Finish!.Value - j.Arrival).TotalHours);
            var slowdown = done.Count == 0 ? 0 : done.Average(j => Slowdown(j));
            var demand = done.Sum(j => (j.Finish!.Value - j.Start!.Value).TotalHours * j.Gpus);
            var weighted = demand <= 0 ? 0 : done.Sum(j => (j.Finish!.Value - j.Arrival).TotalHours * j.Gpus) / demand;
            teams.Add(new TeamFairness(group.Key, group.Count(), done.Count, jct, slowdown, weighted <= 0 ? 0 : 1 / weighted,
                group.Max(j => ((j.Start ?? result.End) - j.Arrival).TotalHours)));
        }

        var x = teams.Where(t => t.Finished > 0).Select(t => t.NormalisedShare).ToList();
        var jain = x.Count == 0 ? 0 : x.Sum() * x.Sum() / (x.Count * x.Sum(v => v * v));
        var start = result.Jobs.Count == 0 ? TimeSpan.Zero : result.Jobs.Min(j => j.Arrival);
        var end = finished.Count == 0 ? start : finished.Max(j => j.Finish!.Value);
        var gpuHours = finished.Sum(j => (j.Finish!.Value - j.Start!.Value).TotalHours * j.Gpus);
        var span = (end - start).TotalHours;
        var utilisation = gpus <= 0 || span <= 0 ? 0 : gpuHours / (gpus * span);
        return new FairnessRun(mode, teams, jain, utilisation, teams.Count == 0 ? 0 : teams.Max(t => t.LongestWaitHours),
            result.Jobs.Count(j => j.Finish is null), result.Jobs.Sum(j => j.Preemptions), span);
    }

    private static double Slowdown(JobOutcome job)
    {
        var run = (job.Finish!.Value - job.Start!.Value).TotalHours;
        return run <= 0 ? 1 : (job.Finish!.Value - job.Arrival).TotalHours / run;
    }
}
