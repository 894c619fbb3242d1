using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Workloads;

namespace Lepton.Core.Tests.Placement;

public sealed class NodeFragmentationTests
{
    private static readonly TargetWorkload Target = new(
    [
        new TypicalTask(4000, 500, 1, "", 1, 0.4),
        new TypicalTask(8000, 1000, 2, "", 1, 0.3),
        new TypicalTask(1000, 300, 1, "V100", 1, 0.2),
        new TypicalTask(2000, 0, 0, "", 1, 0.1),
    ], 4);

    [Theory]
    // Fully free 2-GPU node, enough CPU: the 500 and 2×1000 tasks fit with no fragment; NA (0.2) and CPU class (0.1) count all 2000.
    [InlineData(10000, new[] { 1000, 1000 }, "T4", 600)]
    // GPU0 has 400 left: task 1 fits on GPU1 (frag 400·0.4); task 2 needs 2 whole GPUs → Q2 all 1400 (0.3); NA 0.2·1400; XL 0.1·1400.
    [InlineData(10000, new[] { 400, 1000 }, "T4", 160 + 420 + 280 + 140)]
    // Same node but CPU 3000 short of task 1 (Q4, all counted) and task 2 (Q1).
    [InlineData(3000, new[] { 400, 1000 }, "T4", 560 + 420 + 280 + 140)]
    // V100 node: the V100-only task fits and both GPUs (400, 1000) hold 300, so it adds nothing.
    [InlineData(10000, new[] { 400, 1000 }, "V100", 160 + 420 + 0 + 140)]
    public void Compute_Categories_FollowSpec(long cpuLeft, int[] free, string model, double expected)
    {
        Assert.Equal(expected, NodeFragmentation.Compute(cpuLeft, free, model, Target), 9);
    }

    [Fact]
    public void Categories_SumToIdleMilli()
    {
        Span<double> d = stackalloc double[7];
        NodeFragmentation.Categories(3000, [400, 1000], "T4", Target, d);

        double sum = 0;
        foreach (var x in d)
        {
            sum += x;
        }

        Assert.Equal(1400, sum, 9);
    }

    [Fact]
    public void Tracker_AfterAllocateAndRelease_RecomputesOnlyChangedNodes()
    {
        var cluster = new ClusterState(
        [
            new NodeSpec { Name = "a", CpuMilli = 10000, MemoryMiB = 1000, GpuCount = 2, GpuModel = "T4" },
            new NodeSpec { Name = "b", CpuMilli = 10000, MemoryMiB = 1000, GpuCount = 2, GpuModel = "V100" },
        ]);
        var tracker = new FragmentationTracker(cluster, Target);
        Assert.Equal(600 + 200, tracker.TotalFragmentedMilli, 9);
        Assert.Equal(4000, tracker.TotalIdleMilli);

        var task = new TaskRequest { Name = "t", CpuMilli = 0, GpuCount = 1, GpuMilliPerGpu = 600 };
        cluster.Allocate(0, task, GpuSet.Of(0));
        Assert.Equal(1000 + 200, tracker.TotalFragmentedMilli, 9);
        Assert.Equal(3400, tracker.TotalIdleMilli);
        Assert.Equal(100.0 * 1200 / 3400, tracker.FragmentationRatioPct, 9);

        cluster.Release(0, task, GpuSet.Of(0));
        Assert.Equal(800, tracker.TotalFragmentedMilli, 9);
    }
}
