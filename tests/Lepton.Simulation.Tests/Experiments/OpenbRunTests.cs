using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Workloads;
using Lepton.Simulation.Experiments;
using Lepton.Simulation.Traces;

namespace Lepton.Simulation.Tests.Experiments;

public sealed class OpenbRunTests
{
    private static TaskRequest Task(string name, long cpu, int gpus = 0, int milli = 0) =>
        new() { Name = name, CpuMilli = cpu, MemoryMiB = 1024, GpuCount = gpus, GpuMilliPerGpu = milli };

    /// <summary>FGD-SPEC §7: three nodes of model A, N1 with 300 milli left on GPU0 and 20,000 CPU left; ranks N1 2, N2 0, N3 1.</summary>
    private static (PlacementEngine Engine, FragmentationTracker Tracker) WorkedExample(string policy)
    {
        IReadOnlyList<TaskRequest> original =
        [
            .. Enumerable.Range(0, 5).Select(i => Task($"t1-{i}", 4000, 1, 500)),
            .. Enumerable.Range(0, 3).Select(i => Task($"t2-{i}", 8000, 1, 1000)),
            .. Enumerable.Range(0, 2).Select(i => Task($"t3-{i}", 2000)),
        ];
        var target = TargetWorkload.FromTasks(original);
        var state = new ClusterState(
        [
            new NodeSpec { Name = "N1", CpuMilli = 24000, MemoryMiB = 1 << 20, GpuCount = 2, GpuModel = "A" },
            new NodeSpec { Name = "N2", CpuMilli = 40000, MemoryMiB = 1 << 20, GpuCount = 4, GpuModel = "A" },
            new NodeSpec { Name = "N3", CpuMilli = 6000, MemoryMiB = 1 << 20, GpuCount = 1, GpuModel = "A" },
        ]);
        state.Allocate(0, Task("earlier", 4000, 1, 700), GpuSet.Of(0));
        var engine = new PlacementEngine(state, PolicyRegistry.Get(policy), new PlacementOptions { NodeRanks = [2, 0, 1], TargetWorkload = target });
        return (engine, new FragmentationTracker(state, target));
    }

    private static readonly TaskRequest[] WorkedPods =
    [
        Task("P1", 2000, 1, 200),
        Task("P2", 4000, 1, 500),
        Task("P3", 8000, 1, 1000),
        Task("P4", 2000),
    ];

    [Fact]
    public void Replay_WorkedExampleFgd_EventsFollowTheSpec()
    {
        var (engine, tracker) = WorkedExample("fgd");
        var events = new List<OpenbEvent>();
        var before = tracker.TotalFragmentedMilli;

        var placed = OpenbRun.Replay(engine, tracker, WorkedPods, events.Add);

        Assert.Equal(1800, before, 6);   // F(N1) 500 + F(N2) 800 + F(N3) 500
        Assert.Equal(4, placed);
        Assert.Equal([200L, 700, 1700, 1700], events.Select(e => e.ArrivedMilli));
        Assert.Equal([900L, 1400, 2400, 2400], events.Select(e => e.UsedMilli));
        Assert.Equal([6100L, 5600, 4600, 4600], events.Select(e => e.IdleMilli));
        Assert.Equal([1600.0, 1600, 1400, 1400], events.Select(e => Math.Round(e.FragmentedMilli, 6)));
        var state = engine.Cluster;
        Assert.Equal([100, 1000], state.GpuFreeSpan(0).ToArray());
        Assert.Equal([0, 1000, 1000, 1000], state.GpuFreeSpan(1).ToArray());
        Assert.Equal([500], state.GpuFreeSpan(2).ToArray());
        Assert.Equal(30000, state.Free(1).CpuMilli);
    }

    [Fact]
    public void Replay_WorkedExampleBestFit_EventsFollowTheSpec()
    {
        var (engine, tracker) = WorkedExample("bestfit");
        var events = new List<OpenbEvent>();

        OpenbRun.Replay(engine, tracker, WorkedPods, events.Add);

        Assert.Equal([1700.0, 1600, 1400, 1400], events.Select(e => Math.Round(e.FragmentedMilli, 6)));
        var state = engine.Cluster;
        Assert.Equal([300, 0], state.GpuFreeSpan(0).ToArray());
        Assert.Equal(10000, state.Free(0).CpuMilli);
        Assert.Equal([300], state.GpuFreeSpan(2).ToArray());
        Assert.Equal(0, state.Free(2).CpuMilli);
    }

    [Fact]
    public void Replay_PodFitsNowhere_FailsAndStillRecordsItsArrival()
    {
        var (engine, tracker) = WorkedExample("bestfit");
        var events = new List<OpenbEvent>();

        var placed = OpenbRun.Replay(engine, tracker, [Task("huge", 8000, 8, 1000), Task("cpu-only", 1000)], events.Add);

        Assert.Equal(1, placed);
        Assert.Equal([8000L, 8000], events.Select(e => e.ArrivedMilli));
        Assert.All(events, e => Assert.Equal(700, e.UsedMilli));
    }

    private static (OpenbCluster, OpenbWorkload) Synthetic()
    {
        var nodes = Enumerable.Range(0, 40).Select(i => new NodeSpec
        {
            Name = $"n{i:00}",
            CpuMilli = i % 3 == 0 ? 16000 : 64000,
            MemoryMiB = 262144,
            GpuCount = i % 4 == 0 ? 2 : 8,
            GpuModel = i % 5 == 0 ? "T4" : "G2",
        }).ToList();
        var random = new Random(9);
        var pods = Enumerable.Range(0, 300).Select(i => random.Next(4) switch
        {
            0 => Task($"pod-{i:000}", 4000, 1, (random.Next(9) + 1) * 100),
            1 => Task($"pod-{i:000}", 8000, 1, 1000),
            2 => Task($"pod-{i:000}", 12000, random.Next(2) == 0 ? 2 : 4, 1000),
            _ => Task($"pod-{i:000}", 6000),
        }).ToList();
        return (new OpenbCluster("synthetic", nodes), new OpenbWorkload("synthetic", pods));
    }

    [Theory]
    [InlineData("random")]
    [InlineData("dotprod")]
    [InlineData("gpuclustering")]
    [InlineData("gpupacking")]
    [InlineData("bestfit")]
    [InlineData("fgd")]
    public void Execute_SameSeedTwice_IdenticalSeries(string policy)
    {
        var (cluster, workload) = Synthetic();

        var first = OpenbRun.Execute(cluster, workload, PolicyRegistry.Get(policy), 42, 1.3);
        var second = OpenbRun.Execute(cluster, workload, PolicyRegistry.Get(policy), 42, 1.3);

        Assert.Equal(first.Grid.AllocationPct, second.Grid.AllocationPct);
        Assert.Equal(first.Grid.FragmentationPct, second.Grid.FragmentationPct);
        Assert.Equal(first.Placed, second.Placed);
        Assert.Equal(131, first.Grid.AllocationPct.Length);
        Assert.True(first.Pods > 300, "the workload is tuned up past its 300 original pods");
    }

    [Fact]
    public void Execute_DifferentSeeds_DifferentShuffles()
    {
        var (cluster, workload) = Synthetic();
        var policy = PolicyRegistry.Get("bestfit");

        var runs = Enumerable.Range(42, 4).Select(seed => OpenbRun.Execute(cluster, workload, policy, seed, 1.3)).ToList();

        Assert.True(runs.Select(r => string.Join(",", r.Grid.AllocationPct)).Distinct().Count() > 1);
    }

    [Fact]
    public void Sweep_ParallelAndSerial_SameResultsInRequestOrder()
    {
        var (cluster, workload) = Synthetic();
        IReadOnlyList<PlacementPolicy> policies = [PolicyRegistry.Get("fgd"), PolicyRegistry.Get("random")];

        var parallel = OpenbSweep.Run(cluster, [workload], policies, [1, 2, 3], 1.3, maxParallelism: 4);
        var serial = OpenbSweep.Run(cluster, [workload], policies, [1, 2, 3], 1.3, maxParallelism: 1);

        Assert.Equal(["fgd", "fgd", "fgd", "random", "random", "random"], parallel.Select(r => r.Policy));
        Assert.Equal([1, 2, 3, 1, 2, 3], parallel.Select(r => r.Seed));
        Assert.Equal(serial.Select(r => r.Grid.AllocationPct), parallel.Select(r => r.Grid.AllocationPct));
    }

    [Fact]
    public void Execute_OpenbDefaultBestFitOneSeed_AllocationAt100NearPublishedMedian()
    {
        var root = SharedTraces.Root;
        var cluster = new OpenbCluster("openb", OpenbNodeReader.Read(Path.Combine(OpenbCatalog.OpenbDirectory(root), OpenbCatalog.NodeFileName)));
        var workload = new OpenbWorkload("default", OpenbPodReader.Read(OpenbCatalog.PodFile(root, "default")));
        var published = PublishedOpenbResults.Load(OpenbCatalog.PublishedDirectory(root)).At(PublishedMetric.Allocation, "default", "bestfit", 100);

        var run = OpenbRun.Execute(cluster, workload, PolicyRegistry.Get("bestfit"), 42, 1.3);

        Assert.NotNull(published);
        Assert.Equal(6212, cluster.TotalGpus);
        Assert.InRange(run.Grid.AllocationPct[100], published.Value.Median - 1.0, published.Value.Median + 1.0);
        Assert.InRange(run.Grid.AllocationPct[50], 49.5, 50.5);   // below saturation every policy places everything
    }
}
