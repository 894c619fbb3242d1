using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Workloads;

namespace Lepton.Core.Tests.Placement;

/// <summary>FGD-SPEC §7, the hand-computable worked example: typical tasks, F values, FGD and BestFit choices.</summary>
public sealed class FgdWorkedExampleTests
{
    private static readonly TaskRequest[] Original =
    [
        .. Enumerable.Range(0, 5).Select(i => Task($"s{i}", 4000, 500)),
        .. Enumerable.Range(0, 3).Select(i => Task($"w{i}", 8000, 1000)),
        .. Enumerable.Range(0, 2).Select(i => Task($"c{i}", 2000, 0)),
    ];

    private static readonly TaskRequest[] Pods =
    [
        Task("P1", 2000, 200), Task("P2", 4000, 500), Task("P3", 8000, 1000), Task("P4", 2000, 0),
    ];

    [Fact]
    public void FromTasks_WorkedExample_KeepsAllThreeClassesWithCountWeights()
    {
        var target = TargetWorkload.FromTasks(Original);

        Assert.Equal(
            [new TypicalTask(4000, 500, 1, "", 5, 0.5), new TypicalTask(8000, 1000, 1, "", 3, 0.3), new TypicalTask(2000, 0, 0, "", 2, 0.2)],
            target.Tasks);
    }

    [Theory]
    [InlineData(0, 500)]
    [InlineData(1, 800)]
    [InlineData(2, 500)]
    public void NodeFragmentation_InitialState_MatchesSpec(int node, double expected)
    {
        var cluster = Cluster();
        var target = TargetWorkload.FromTasks(Original);

        Assert.Equal(expected, NodeFragmentation.Of(cluster, node, target), 9);
        Assert.Equal(expected, new FragmentationTracker(cluster, target).NodeFragmentedMilli(node), 9);
    }

    [Fact]
    public void Fgd_WorkedExample_ChoosesSpecNodesAndGpus()
    {
        var (choices, cluster) = Run("fgd");

        Assert.Equal(["N1:0", "N3:0", "N2:0", "N2:"], choices);
        Assert.Equal([100, 1000], cluster.GpuFreeSpan(0).ToArray());
        Assert.Equal([0, 1000, 1000, 1000], cluster.GpuFreeSpan(1).ToArray());
        Assert.Equal([500], cluster.GpuFreeSpan(2).ToArray());
        Assert.Equal([18000, 30000, 2000], Enumerable.Range(0, 3).Select(i => cluster.Free(i).CpuMilli));
    }

    [Fact]
    public void Fgd_FirstPod_ScoresMatchSpecTable()
    {
        var engine = Engine(Cluster(), "fgd");

        Assert.Equal([54, 45, 52], Enumerable.Range(0, 3).Select(i => engine.ScoreOf(Pods[0], i)!.Value));
    }

    [Fact]
    public void BestFit_WorkedExample_ChoosesSpecNodesAndGpus()
    {
        var (choices, cluster) = Run("bestfit");

        Assert.Equal(["N3:0", "N3:0", "N1:1", "N1:"], choices);
        Assert.Equal([300, 0], cluster.GpuFreeSpan(0).ToArray());
        Assert.Equal([10000, 40000, 0], Enumerable.Range(0, 3).Select(i => cluster.Free(i).CpuMilli));
    }

    [Theory]
    [InlineData(0, new[] { 86, 61, 93 })]
    [InlineData(1, new[] { 88, 64, 98 })]
    [InlineData(2, new[] { 93, 68, -1 })]
    [InlineData(3, new[] { 94, 60, -1 })]
    public void BestFit_WorkedExample_RawScoresMatchSpecTable(int pod, int[] expected)
    {
        var cluster = Cluster();
        var engine = Engine(cluster, "bestfit");
        for (var p = 0; p < pod; p++)
        {
            Assert.True(engine.TryPlace(Pods[p], out var placement));
            engine.Commit(Pods[p], placement);
        }

        Assert.Equal(expected, Enumerable.Range(0, 3).Select(i => engine.ScoreOf(Pods[pod], i) ?? -1));
    }

    private static (List<string> Choices, ClusterState Cluster) Run(string policy)
    {
        var cluster = Cluster();
        var engine = Engine(cluster, policy);
        var choices = new List<string>();
        foreach (var pod in Pods)
        {
            Assert.True(engine.TryPlace(pod, out var placement));
            engine.Commit(pod, placement);
            choices.Add(cluster.NodeAt(placement.Node).Name + ":" + string.Join(",", placement.Gpus.ToArray()));
        }

        return (choices, cluster);
    }

    private static PlacementEngine Engine(ClusterState cluster, string policy) =>
        new(cluster, PolicyRegistry.Get(policy),
            new PlacementOptions { NodeRanks = [2, 0, 1], TargetWorkload = TargetWorkload.FromTasks(Original) });

    /// <summary>N1: 2 GPUs [300, 1000], cpu 20000; N2: 4 free GPUs, cpu 40000; N3: 1 free GPU, cpu 6000; model A.</summary>
    private static ClusterState Cluster()
    {
        var cluster = new ClusterState(
        [
            new NodeSpec { Name = "N1", CpuMilli = 20000, MemoryMiB = 1 << 20, GpuCount = 2, GpuModel = "A" },
            new NodeSpec { Name = "N2", CpuMilli = 40000, MemoryMiB = 1 << 20, GpuCount = 4, GpuModel = "A" },
            new NodeSpec { Name = "N3", CpuMilli = 6000, MemoryMiB = 1 << 20, GpuCount = 1, GpuModel = "A" },
        ]);
        cluster.Allocate(0, Task("existing", 0, 700), GpuSet.Of(0));
        return cluster;
    }

    private static TaskRequest Task(string name, long cpu, int g) =>
        new() { Name = name, CpuMilli = cpu, MemoryMiB = 1024, GpuCount = g == 0 ? 0 : 1, GpuMilliPerGpu = g };
}
