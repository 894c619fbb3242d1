using System.Diagnostics;
using System.Runtime.InteropServices;
using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Power;
using Lepton.Core.Workloads;

namespace Lepton.Simulation.Experiments;

/// <summary>One openb run (workload, policy, seed, tune) exactly as FGD-SPEC §2 describes it, on Core's placement engine.</summary>
/// <remarks>
/// <para>All randomness of the protocol comes from one <c>new Random(seed)</c>, drawn in the spec's order: the
/// Fisher–Yates shuffle of the pods sorted by name, then the tuning samples, then the node-rank permutation, which is
/// handed to Core as <see cref="PlacementOptions.NodeRanks"/> (ties go to the lowest rank). The random policy's own
/// picks come from the engine's generator, seeded with the same seed.</para>
/// <para>Every pod gets one attempt; a pod that fits nowhere is dropped; nothing departs. After each attempt the
/// run records (arrived, used, Σ F(N), idle) on the <see cref="ArrivedGrid"/>. The fragmentation total comes from
/// Core's <see cref="FragmentationTracker"/>, which recomputes F only for the node that changed.</para>
/// <para>The openb protocol has no time axis (no arrival or departure times, one attempt per pod in list order), so
/// the replay is a plain loop; the discrete-event engine drives the job simulations, where time matters.</para>
/// </remarks>
public static class OpenbRun
{
    /// <summary>Runs <paramref name="policy"/> on <paramref name="workload"/> over <paramref name="cluster"/>.</summary>
    /// <param name="cluster">The nodes.</param>
    /// <param name="workload">The prepared pod list.</param>
    /// <param name="policy">A Core policy.</param>
    /// <param name="seed">The run's seed.</param>
    /// <param name="tune">Workload size as a multiple of GPU capacity (1.3 in the published runs).</param>
    public static OpenbRunResult Execute(OpenbCluster cluster, OpenbWorkload workload, PlacementPolicy policy, int seed, double tune) =>
        Execute(cluster, workload, policy, seed, tune, tieBreakByNodeName: false);

    /// <summary>Runs <paramref name="policy"/>; with <paramref name="tieBreakByNodeName"/> ties go to the smallest node name
    /// for every policy, as in the PWR paper's simulator (PWR-SPEC §2.3), instead of the seeded node ranks.</summary>
    public static OpenbRunResult Execute(OpenbCluster cluster, OpenbWorkload workload, PlacementPolicy policy, int seed, double tune, bool tieBreakByNodeName)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(workload);
        ArgumentNullException.ThrowIfNull(policy);
        var stopwatch = Stopwatch.StartNew();
        var random = new Random(seed);

        var pods = new List<TaskRequest>(workload.PodsByName);
        random.Shuffle(CollectionsMarshal.AsSpan(pods));
        WorkloadTuner.Tune(pods, workload.PodsByName, cluster.CapacityGpuMilli, tune, random);

        var ranks = new int[cluster.Nodes.Count];
        for (var i = 0; i < ranks.Length; i++)
        {
            ranks[i] = i;
        }

        random.Shuffle(ranks);
        if (tieBreakByNodeName)
        {
            var byName = Enumerable.Range(0, ranks.Length).OrderBy(i => cluster.Nodes[i].Name, StringComparer.Ordinal).ToArray();
            for (var r = 0; r < byName.Length; r++)
            {
                ranks[byName[r]] = r;
            }
        }

        var state = new ClusterState(cluster.Nodes);
        var engine = new PlacementEngine(state, policy, new PlacementOptions
        {
            Seed = seed,
            NodeRanks = ranks,
            TargetWorkload = workload.Target,
        });
        var fragmentation = new FragmentationTracker(state, workload.Target);
        var grid = new ArrivedGrid(cluster.TotalGpus, GridColumns(tune));
        // Power after every pod (PWR-SPEC §3), on its own grid beside the published one.
        var power = new ClusterPower(state);
        var curve = new PowerCurve(cluster.CapacityGpuMilli, tune);
        var placed = Replay(engine, fragmentation, pods, e =>
        {
            grid.Record(e);
            var (cpu, gpu) = power.Split();
            curve.Record(e.ArrivedMilli, e.UsedMilli, power.TotalWatts, cpu, gpu);
        });

        return new OpenbRunResult(workload.Name, policy.Name, seed, grid.ToSeries(), pods.Count, placed, stopwatch.Elapsed) { Power = curve.ToSeries() };
    }

    /// <summary>Attempts each pod once, in order, committing those that fit, and reports the cluster after every attempt.</summary>
    /// <param name="engine">The engine, on the cluster state <paramref name="fragmentation"/> tracks.</param>
    /// <param name="fragmentation">Tracks Σ F(N) of the same cluster state.</param>
    /// <param name="pods">The pods in run order.</param>
    /// <param name="record">Called after every attempt, placed or failed.</param>
    /// <returns>The number of pods placed.</returns>
    public static int Replay(PlacementEngine engine, FragmentationTracker fragmentation, IReadOnlyList<TaskRequest> pods, Action<OpenbEvent> record)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(fragmentation);
        ArgumentNullException.ThrowIfNull(pods);
        ArgumentNullException.ThrowIfNull(record);
        var capacity = engine.Cluster.TotalCapacity.GpuMilli;
        var used = engine.Cluster.TotalAllocated.GpuMilli;
        long arrived = 0;
        var placed = 0;
        foreach (var pod in pods)
        {
            arrived += pod.TotalGpuMilli;
            if (engine.TryPlace(pod, out var placement))
            {
                engine.Commit(pod, placement);
                used += pod.TotalGpuMilli;
                placed++;
            }

            record(new OpenbEvent(arrived, used, fragmentation.TotalFragmentedMilli, capacity - used));
        }

        return placed;
    }

    /// <summary>The last grid column for a tune ratio: 130 for the published 1.3.</summary>
    public static int GridColumns(double tune) => (int)Math.Round(tune * 100, MidpointRounding.AwayFromZero);
}
