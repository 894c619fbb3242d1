using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Placement.Plugins.Fgd;
using Lepton.Core.Workloads;

namespace Lepton.Core.Tests.Placement;

/// <summary><c>fgd-nostrand</c>: CPU-only tasks go where they strand the least GPU among FGD's best nodes; GPU tasks as <c>fgd-scarcity</c>.</summary>
public sealed class NoStrandFgdTests
{
    // Whole-GPU tasks and CPU-only tasks, both with 1 core: a CPU-only task never starves a node of 8 cores, so FGD
    // scores every node alike for it (Δ = 0) and only the rank would decide.
    private static readonly TaskRequest[] Original = [Whole("w0"), Whole("w1"), CpuOnly("c0")];

    [Theory]
    [InlineData(new[] { 0, 1, 2 })]
    [InlineData(new[] { 2, 1, 0 })]
    [InlineData(new[] { 1, 2, 0 })]
    public void TryPlace_CpuOnlyTask_GoesToNodeWithNoFreeGpuWhateverTheRank(int[] ranks)
    {
        // Node 0: 2 GPUs free; node 1: 1 GPU free; node 2: every GPU taken.
        var engine = Engine(ranks, "fgd-nostrand");
        engine.Commit(Whole("a"), new NodePlacement(1, GpuSet.Of(0)));
        engine.Commit(Whole("b"), new NodePlacement(2, GpuSet.Of(0)));
        engine.Commit(Whole("c"), new NodePlacement(2, GpuSet.Of(1)));

        Assert.True(engine.TryPlace(CpuOnly("t"), out var placement));

        Assert.Equal(2, placement.Node);
    }

    [Fact]
    public void TryPlace_CpuOnlyTaskEveryNodeHasFreeGpu_FewestFreeGpuMilliWins()
    {
        // Node 0 keeps 2 free GPUs, node 1 one and a half, node 2 one: node 2 strands the least.
        var engine = Engine([0, 1, 2], "fgd-nostrand");
        engine.Commit(Share("s", 500), new NodePlacement(1, GpuSet.Of(0)));
        engine.Commit(Whole("b"), new NodePlacement(2, GpuSet.Of(0)));

        Assert.True(engine.TryPlace(CpuOnly("t"), out var placement));

        Assert.Equal(2, placement.Node);
    }

    [Fact]
    public void TryPlace_CpuOnlyTaskEqualFreeGpu_MostCpuLeftWins()
    {
        // Nodes 1 and 2 have no free GPU; node 2 has more CPU left, so the CPU-only task goes there despite its rank.
        var engine = Engine([0, 1, 2], "fgd-nostrand");
        engine.Commit(Whole("a", cpu: 4000), new NodePlacement(1, GpuSet.Of(0)));
        engine.Commit(Whole("b", cpu: 1000), new NodePlacement(1, GpuSet.Of(1)));
        engine.Commit(Whole("c", cpu: 1000), new NodePlacement(2, GpuSet.Of(0)));
        engine.Commit(Whole("d", cpu: 1000), new NodePlacement(2, GpuSet.Of(1)));

        Assert.True(engine.TryPlace(CpuOnly("t"), out var placement));

        Assert.Equal(2, placement.Node);
    }

    [Fact]
    public void TryPlace_CpuOnlyTaskEmptyCluster_FgdWouldFollowRank()
    {
        // The same situation under FGD: every score ties at 50, so the lowest rank (node 0, GPUs idle) takes it.
        var fgd = Engine([0, 1, 2], "fgd");
        fgd.Commit(Whole("b"), new NodePlacement(2, GpuSet.Of(0)));
        fgd.Commit(Whole("c"), new NodePlacement(2, GpuSet.Of(1)));

        Assert.True(fgd.TryPlace(CpuOnly("t"), out var placement));

        Assert.Equal(0, placement.Node);
        Assert.Equal(fgd.ScoreOf(CpuOnly("t"), 0), fgd.ScoreOf(CpuOnly("t"), 2));
    }

    [Fact]
    public void TryPlace_GpuTasksWithAmpleMemory_SameNodesAndGpusAsFgdScarcity()
    {
        var nostrand = Engine([2, 0, 1], "fgd-nostrand");
        var scarcity = Engine([2, 0, 1], "fgd-scarcity");
        TaskRequest[] tasks = [Share("s0", 300), Whole("w0"), Share("s1", 700), Share("s2", 500), Whole("w1"), Share("s3", 200)];

        foreach (var task in tasks)
        {
            var a = nostrand.TryPlace(task, out var byNoStrand);
            var b = scarcity.TryPlace(task, out var byScarcity);
            Assert.Equal(b, a);
            Assert.Equal(byScarcity.Node, byNoStrand.Node);
            Assert.Equal(byScarcity.Gpus.ToArray(), byNoStrand.Gpus.ToArray());
            if (a)
            {
                nostrand.Commit(task, byNoStrand);
                scarcity.Commit(task, byScarcity);
            }
        }
    }

    [Theory]
    [InlineData("fgd", 0)]
    [InlineData("fgd-nostrand", 1)]
    public void TryPlace_GpuTaskNodeMemoryNearlyUsedUp_NoStrandKeepsItsLastGpuUsable(string policy, int expected)
    {
        // Node 0's memory is nearly all taken by a CPU-only task, node 1's is not; same CPU, same free GPUs, so FGD
        // ties them and takes node 0 by rank, leaving its other GPU with no memory. fgd-nostrand takes node 1.
        var engine = Engine([0, 1, 2], policy);
        engine.Commit(CpuOnly("big", memMiB: 60 << 10), new NodePlacement(0, GpuSet.Empty));
        engine.Commit(CpuOnly("small", memMiB: 1 << 10), new NodePlacement(1, GpuSet.Empty));
        engine.Commit(Whole("b"), new NodePlacement(2, GpuSet.Of(0)));
        engine.Commit(Whole("c"), new NodePlacement(2, GpuSet.Of(1)));
        var task = Whole("t") with { MemoryMiB = 4 << 10 };

        Assert.True(engine.TryPlace(task, out var placement));

        Assert.Equal(expected, placement.Node);
    }

    [Theory]
    [InlineData(500, 0, 4096, 1)]
    [InlineData(1000, 3072, 4096, 1)]
    [InlineData(1000, 3071, 4096, 0)]
    [InlineData(2000, 6144, 4096, 1)]
    [InlineData(2000, 6000, 4096, 0)]
    public void MemoryKey_FreeGpusKeepThreeQuartersOfAverageMemory(int freeAfter, long memLeft, double memPerGpu, long expected) =>
        Assert.Equal(expected, NoStrandPipeline.MemoryKey(freeAfter, memLeft, memPerGpu));

    [Fact]
    public void TryPlace_FillUntilNothingFits_NeverBeyondCapacity()
    {
        var engine = Engine([1, 2, 0], "fgd-nostrand");
        var placed = 0;
        for (var i = 0; i < 40; i++)
        {
            var task = (i % 3) switch { 0 => CpuOnly($"c{i}", 3000), 1 => Share($"s{i}", 400), _ => Whole($"w{i}", cpu: 2000) };
            if (engine.TryPlace(task, out var placement))
            {
                engine.Commit(task, placement);
                placed++;
            }
        }

        var cluster = engine.Cluster;
        Assert.True(placed > 0);
        for (var node = 0; node < cluster.NodeCount; node++)
        {
            var free = cluster.Free(node);
            Assert.True(free.CpuMilli >= 0 && free.MemoryMiB >= 0 && free.GpuMilli >= 0);
            for (var gpu = 0; gpu < cluster.NodeAt(node).GpuCount; gpu++)
            {
                Assert.InRange(cluster.GpuFreeMilli(node, gpu), 0, ClusterState.MilliPerGpu);
            }
        }
    }

    [Theory]
    [InlineData(0, 5000, 1000, 5000)]
    [InlineData(500, 1000, 1000, 9000)]
    [InlineData(1000, 6000, 1000, 5000)]
    public void StrandKey_FewerFreeGpuFirstThenMoreCpu(int betterFree, long betterCpu, int worseFree, long worseCpu) =>
        Assert.True(NoStrandPipeline.StrandKey(betterFree, betterCpu) > NoStrandPipeline.StrandKey(worseFree, worseCpu));

    [Fact]
    public void Registry_FgdNoStrand_NeedsTargetWorkload()
    {
        var policy = PolicyRegistry.Get("fgd-nostrand");

        Assert.True(policy.NeedsTargetWorkload);
        Assert.Equal(GpuSelectionRule.FragmentationGradient, policy.GpuSelection);
    }

    private static PlacementEngine Engine(int[] ranks, string policy) =>
        new(Cluster(), PolicyRegistry.Get(policy), new PlacementOptions { NodeRanks = ranks, TargetWorkload = TargetWorkload.FromTasks(Original) });

    /// <summary>Three identical nodes: 2 GPUs, 8 cores, 64 GiB.</summary>
    private static ClusterState Cluster() =>
        new([.. Enumerable.Range(0, 3).Select(i => new NodeSpec { Name = $"n{i}", CpuMilli = 8000, MemoryMiB = 1 << 16, GpuCount = 2, GpuModel = "X" })]);

    private static TaskRequest Whole(string name, long cpu = 1000) =>
        new() { Name = name, CpuMilli = cpu, MemoryMiB = 1024, GpuCount = 1, GpuMilliPerGpu = 1000 };

    private static TaskRequest Share(string name, int milli) =>
        new() { Name = name, CpuMilli = 1000, MemoryMiB = 1024, GpuCount = 1, GpuMilliPerGpu = milli };

    private static TaskRequest CpuOnly(string name, long cpu = 1000, long memMiB = 1024) =>
        new() { Name = name, CpuMilli = cpu, MemoryMiB = memMiB };
}

/// <summary>The contract every policy keeps, for <c>fgd-nostrand</c>.</summary>
public sealed class FgdNoStrandPolicyTests : PolicyContractTests
{
    protected override string Policy => "fgd-nostrand";
}
