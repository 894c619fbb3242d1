using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Placement.Plugins.Fgd;
using Lepton.Core.Workloads;

namespace Lepton.Core.Tests.Placement;

/// <summary><c>fgd-scarcity</c>: FGD's decisions on an empty cluster, FGD's tie-break, and weights that follow the room left per class.</summary>
public sealed class ScarcityFgdTests
{
    // Three tasks accept any GPU model, one accepts only model X: classes "any" (p = 0.75) and "X only" (p = 0.25).
    private static readonly TaskRequest[] Original =
    [
        Whole("a0"), Whole("a1"), Whole("a2"), Whole("x0", "X"),
    ];

    [Theory]
    [InlineData(2000, 1000)]
    [InlineData(1000, 300)]
    [InlineData(4000, 0)]
    public void ScoreOf_EmptyCluster_SameAsFgd(long cpu, int g)
    {
        var task = new TaskRequest { Name = "t", CpuMilli = cpu, MemoryMiB = 1024, GpuCount = g == 0 ? 0 : 1, GpuMilliPerGpu = g };
        var fgd = Engine(Cluster(), "fgd");
        var scarcity = Engine(Cluster(), "fgd-scarcity");

        for (var node = 0; node < 5; node++)
        {
            Assert.Equal(fgd.ScoreOf(task, node), scarcity.ScoreOf(task, node));
        }
    }

    [Fact]
    public void TryPlace_EmptyCluster_PicksFgdsNodeAndGpu()
    {
        var task = new TaskRequest { Name = "share", CpuMilli = 1000, MemoryMiB = 1024, GpuCount = 1, GpuMilliPerGpu = 400 };

        Assert.True(Engine(Cluster(), "fgd").TryPlace(task, out var byFgd));
        Assert.True(Engine(Cluster(), "fgd-scarcity").TryPlace(task, out var byScarcity));

        Assert.Equal(byFgd.Node, byScarcity.Node);
        Assert.Equal(byFgd.Gpus.ToArray(), byScarcity.Gpus.ToArray());
    }

    [Theory]
    [InlineData(new[] { 0, 1, 2, 3, 4 }, 0)]
    [InlineData(new[] { 3, 2, 1, 0, 4 }, 3)]
    public void TryPlace_EqualScores_LowestRankWins(int[] ranks, int expected)
    {
        // A whole GPU on any of the four identical X nodes scores the same: the lowest rank takes it, as in FGD.
        var cluster = Cluster();
        var engine = new PlacementEngine(cluster, PolicyRegistry.Get("fgd-scarcity"),
            new PlacementOptions { NodeRanks = ranks, TargetWorkload = TargetWorkload.FromTasks(Original) });

        Assert.True(engine.TryPlace(Whole("t", "X"), out var placement));

        Assert.Equal(expected, placement.Node);
    }

    [Fact]
    public void BeforeTask_XNodesFilling_ScarceClassGainsWeightAndGpuTotalKept()
    {
        var cluster = Cluster();
        var model = new ScarcityFgdModel(cluster, TargetWorkload.FromTasks(Original));
        model.BeforeTask();
        Assert.Equal(0.75, model.Weight(0), 12);
        Assert.Equal(0.25, model.Weight(1), 12);

        for (var node = 0; node < 3; node++)
        {
            cluster.Allocate(node, Whole($"w{node}"), GpuSet.Of(0));
        }

        model.BeforeTask();

        // Room: "any" 12 → 9 (one X GPU and the 8 Y GPUs), "X only" 4 → 1; the restricted class's weight ∝
        // p · ((cap + 1) / (room + 1))^3, the class every model takes keeps p, and the total is kept.
        Assert.Equal(9, model.RoomOf(0));
        Assert.Equal(1, model.RoomOf(1));
        var any = 0.75;
        var xOnly = 0.25 * Math.Pow(5.0 / 2, 3);
        Assert.Equal(any / (any + xOnly), model.Weight(0), 12);
        Assert.Equal(xOnly / (any + xOnly), model.Weight(1), 12);
    }

    [Fact]
    public void ScoreOf_XNodesFilling_ProtectsTheLastXNodeHarderThanFgd()
    {
        // With three of four X nodes taken, placing an "any" task on the Y node frees the scarce X GPU for "X only"
        // tasks: FGD's Δ there is 0.25 · 1000 (score 56), scarcity-weighted it is about 0.84 · 1000 (score 69).
        var fgd = Engine(Cluster(), "fgd");
        var scarcity = Engine(Cluster(), "fgd-scarcity");
        foreach (var engine in new[] { fgd, scarcity })
        {
            for (var node = 0; node < 3; node++)
            {
                engine.Commit(Whole($"w{node}"), new NodePlacement(node, GpuSet.Of(0)));
            }
        }

        Assert.Equal(56, fgd.ScoreOf(Whole("t"), 4));
        Assert.Equal(69, scarcity.ScoreOf(Whole("t"), 4));
        Assert.Equal(50, fgd.ScoreOf(Whole("t"), 3));
        Assert.Equal(50, scarcity.ScoreOf(Whole("t"), 3));
    }

    [Fact]
    public void ScoreOf_NoClassRestrictedByModel_StaysFgdAsTheClusterFills()
    {
        // Every typical task accepts any model: no class is re-weighted, so the scores stay FGD's however full it gets.
        TaskRequest[] anyModel = [Whole("a0"), Whole("a1"), new() { Name = "s", CpuMilli = 1000, MemoryMiB = 1024, GpuCount = 1, GpuMilliPerGpu = 500 }];
        var fgd = new PlacementEngine(Cluster(), PolicyRegistry.Get("fgd"), new PlacementOptions { NodeRanks = [0, 1, 2, 3, 4], TargetWorkload = TargetWorkload.FromTasks(anyModel) });
        var scarcity = new PlacementEngine(Cluster(), PolicyRegistry.Get("fgd-scarcity"), new PlacementOptions { NodeRanks = [0, 1, 2, 3, 4], TargetWorkload = TargetWorkload.FromTasks(anyModel) });
        foreach (var engine in new[] { fgd, scarcity })
        {
            for (var node = 0; node < 3; node++)
            {
                engine.Commit(Whole($"w{node}"), new NodePlacement(node, GpuSet.Of(0)));
            }

            engine.Commit(Whole("y"), new NodePlacement(4, GpuSet.Of(0)));
        }

        for (var node = 0; node < 5; node++)
        {
            Assert.Equal(fgd.ScoreOf(anyModel[2], node), scarcity.ScoreOf(anyModel[2], node));
            Assert.Equal(fgd.ScoreOf(Whole("t"), node), scarcity.ScoreOf(Whole("t"), node));
        }
    }

    [Fact]
    public void Registry_FgdScarcity_NeedsTargetWorkload()
    {
        var policy = PolicyRegistry.Get("fgd-scarcity");

        Assert.True(policy.NeedsTargetWorkload);
        Assert.Equal(GpuSelectionRule.FragmentationGradient, policy.GpuSelection);
    }

    private static PlacementEngine Engine(ClusterState cluster, string policy) =>
        new(cluster, PolicyRegistry.Get(policy),
            new PlacementOptions { NodeRanks = [0, 1, 2, 3, 4], TargetWorkload = TargetWorkload.FromTasks(Original) });

    /// <summary>X0..X3: model X, 1 GPU, 8 cores each; Y: model Y, 8 GPUs, 64 cores.</summary>
    private static ClusterState Cluster() =>
        new(
        [
            .. Enumerable.Range(0, 4).Select(i => new NodeSpec { Name = $"X{i}", CpuMilli = 8000, MemoryMiB = 1 << 16, GpuCount = 1, GpuModel = "X" }),
            new NodeSpec { Name = "Y", CpuMilli = 64000, MemoryMiB = 1 << 18, GpuCount = 8, GpuModel = "Y" },
        ]);

    private static TaskRequest Whole(string name, params string[] models) =>
        new() { Name = name, CpuMilli = 1000, MemoryMiB = 1024, GpuCount = 1, GpuMilliPerGpu = 1000, GpuModels = models };
}

/// <summary>The contract every policy keeps, for <c>fgd-scarcity</c>.</summary>
public sealed class FgdScarcityPolicyTests : PolicyContractTests
{
    protected override string Policy => "fgd-scarcity";
}
