using System.Collections.Concurrent;
using Lepton.Core.Placement;

namespace Lepton.Simulation.Experiments;

/// <summary>Runs every (workload, policy, seed) combination of an openb experiment, in parallel on all cores.</summary>
/// <remarks>
/// Runs share nothing mutable (each builds its own cluster state, engine and random stream), so the results do not
/// depend on how many run at once or in what order. They are started costliest first (FGD, then workloads with many
/// typical classes) and handed out one at a time so both cores stay busy to the end; the returned list is in request
/// order: workload, then policy, then seed.
/// </remarks>
public static class OpenbSweep
{
    /// <summary>Runs the sweep; <paramref name="progress"/> is called (from worker threads) after each run;
    /// <paramref name="tieBreakByNodeName"/> gives every policy the PWR paper's tie-break (see <see cref="OpenbRun"/>).</summary>
    public static IReadOnlyList<OpenbRunResult> Run(
        OpenbCluster cluster,
        IReadOnlyList<OpenbWorkload> workloads,
        IReadOnlyList<PlacementPolicy> policies,
        IReadOnlyList<int> seeds,
        double tune,
        Action<OpenbRunResult>? progress = null,
        int maxParallelism = 0,
        CancellationToken cancellationToken = default,
        bool tieBreakByNodeName = false)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(workloads);
        ArgumentNullException.ThrowIfNull(policies);
        ArgumentNullException.ThrowIfNull(seeds);
        var jobs = new List<(OpenbWorkload Workload, PlacementPolicy Policy, int Seed)>();
        foreach (var workload in workloads)
        {
            foreach (var policy in policies)
            {
                foreach (var seed in seeds)
                {
                    jobs.Add((workload, policy, seed));
                }
            }
        }

        var order = Enumerable.Range(0, jobs.Count)
            .OrderByDescending(i => jobs[i].Policy.NeedsTargetWorkload)
            .ThenByDescending(i => jobs[i].Workload.Target.Tasks.Count)
            .ThenBy(i => i)
            .ToArray();
        var results = new OpenbRunResult[jobs.Count];
        var options = new ParallelOptions
        {
            MaxDegreeOfParallelism = maxParallelism > 0 ? maxParallelism : Environment.ProcessorCount,
            CancellationToken = cancellationToken,
        };
        var partitioner = Partitioner.Create(order, EnumerablePartitionerOptions.NoBuffering);
        Parallel.ForEach(partitioner, options, i =>
        {
            var (workload, policy, seed) = jobs[i];
            var result = OpenbRun.Execute(cluster, workload, policy, seed, tune, tieBreakByNodeName);
            results[i] = result;
            progress?.Invoke(result);
        });

        return results;
    }
}
