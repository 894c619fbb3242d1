using System.Runtime.InteropServices;
using Lepton.Core.Placement.Batch;
using Lepton.Core.Workloads;

namespace Lepton.Simulation.Experiments;

/// <summary>Upper bounds on GPU allocation for openb runs: for each seed's arrival order and each summary column, an
/// <see cref="IPackingBound"/> of the pods arrived by then, in the grid's allocation percent.</summary>
/// <remarks>
/// <para>The arrival order is the run's own (FGD-SPEC §2: the pods sorted by name, shuffled and tuned with
/// <c>new Random(seed)</c>, exactly as <see cref="OpenbRun.Execute(OpenbCluster, OpenbWorkload, Lepton.Core.Placement.PlacementPolicy, int, double)"/> draws them), so a bound is per run.</para>
/// <para>Column a of a run averages the events whose arrived bucket is a (or a−1..a+1 when a has none). Every such event
/// has arrived only pods of a prefix that ends at the last event of bucket a (or a+1), and the bound of a prefix is at
/// least the bound of any shorter one, so the bound of that prefix bounds every event averaged into the column. It is
/// rounded up to 2 decimals, as the grid rounds allocations.</para>
/// </remarks>
public static class OpenbBound
{
    /// <summary>The bound (allocation %) at each of <paramref name="columns"/> for the run with <paramref name="seed"/>.</summary>
    public static IReadOnlyDictionary<int, double> ForRun(OpenbCluster cluster, OpenbWorkload workload, int seed, double tune,
        IReadOnlyList<int> columns, IPackingBound bound)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(workload);
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(bound);
        var pods = Arrivals(cluster, workload, seed, tune);
        var buckets = new long[pods.Count];
        long arrived = 0;
        for (var i = 0; i < pods.Count; i++)
        {
            arrived += pods[i].TotalGpuMilli;
            buckets[i] = ArrivedGrid.ArriveRatio(arrived, cluster.TotalGpus);
        }

        var result = new Dictionary<int, double>();
        foreach (var column in columns)
        {
            var hasOwn = Array.IndexOf(buckets, (long)column) >= 0;
            var last = hasOwn ? column : column + 1;
            var end = -1;
            for (var i = 0; i < buckets.Length && buckets[i] <= last; i++)
            {
                end = i;
            }

            if (end < 0)
            {
                result[column] = double.NaN;
                continue;
            }

            var milli = bound.UpperBoundGpuMilli(cluster.Nodes, pods.GetRange(0, end + 1));
            result[column] = Math.Ceiling(Math.Round(milli / cluster.TotalGpus / 10 * 100, 6)) / 100;
        }

        return result;
    }

    /// <summary>One bound row per trace (statistics over seeds), computed in parallel.</summary>
    public static IReadOnlyList<OpenbBoundRow> Build(OpenbCluster cluster, IReadOnlyList<OpenbWorkload> workloads, IReadOnlyList<int> seeds,
        double tune, IPackingBound bound, int parallelism = 0)
    {
        ArgumentNullException.ThrowIfNull(workloads);
        ArgumentNullException.ThrowIfNull(seeds);
        var jobs = workloads.SelectMany(w => seeds.Select(s => (Workload: w, Seed: s))).ToArray();
        var results = new IReadOnlyDictionary<int, double>[jobs.Length];
        Parallel.For(0, jobs.Length, new ParallelOptions { MaxDegreeOfParallelism = parallelism > 0 ? parallelism : Environment.ProcessorCount },
            i => results[i] = ForRun(cluster, jobs[i].Workload, jobs[i].Seed, tune, OpenbSummaryRow.Columns, bound));
        var rows = new List<OpenbBoundRow>();
        for (var w = 0; w < workloads.Count; w++)
        {
            var perSeed = new Dictionary<int, IReadOnlyDictionary<int, double>>();
            for (var s = 0; s < seeds.Count; s++)
            {
                perSeed[seeds[s]] = results[w * seeds.Count + s];
            }

            rows.Add(new OpenbBoundRow(workloads[w].Name,
                OpenbSummaryRow.Columns.ToDictionary(c => c, c => Statistics.Of(perSeed.Values.Select(r => r[c]))), perSeed));
        }

        return rows;
    }

    /// <summary>The pods in the order run <paramref name="seed"/> offers them (same draws as <see cref="OpenbRun.Execute(OpenbCluster, OpenbWorkload, Lepton.Core.Placement.PlacementPolicy, int, double)"/>).</summary>
    public static List<TaskRequest> Arrivals(OpenbCluster cluster, OpenbWorkload workload, int seed, double tune)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(workload);
        var random = new Random(seed);
        var pods = new List<TaskRequest>(workload.PodsByName);
        random.Shuffle(CollectionsMarshal.AsSpan(pods));
        WorkloadTuner.Tune(pods, workload.PodsByName, cluster.CapacityGpuMilli, tune, random);
        return pods;
    }
}
