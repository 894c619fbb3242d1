using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Workloads;

namespace Lepton.Core.Tests.Placement;

/// <summary>Builds one-node clusters in a given state and reads a policy's integer score (FGD-SPEC §4 formulas).</summary>
internal static class PolicyScore
{
    /// <summary>Score of <paramref name="task"/> on a node of <paramref name="cpu"/> millicores and <paramref name="gpus"/> GPUs,
    /// after <paramref name="used"/> (milli per GPU index) and <paramref name="cpuUsed"/> are allocated.</summary>
    public static int? Of(string policy, TaskRequest task, long cpu, int gpus, int[] used, long cpuUsed = 0)
    {
        var cluster = new ClusterState([new NodeSpec { Name = "n", CpuMilli = cpu, MemoryMiB = 1 << 20, GpuCount = gpus, GpuModel = "A" }]);
        for (var j = 0; j < used.Length; j++)
        {
            if (used[j] > 0)
            {
                cluster.Allocate(0, Gpu(1, used[j]) with { Name = $"u{j}" }, GpuSet.Of(j));
            }
        }

        if (cpuUsed > 0)
        {
            cluster.Allocate(0, new TaskRequest { Name = "cpu", CpuMilli = cpuUsed }, GpuSet.Empty);
        }

        var engine = new PlacementEngine(cluster, PolicyRegistry.Get(policy), new PlacementOptions { TargetWorkload = new TargetWorkload([], 0) });
        return engine.ScoreOf(task, 0);
    }

    public static TaskRequest Gpu(int n, int g, long cpu = 0) => new() { Name = "t", CpuMilli = cpu, GpuCount = n, GpuMilliPerGpu = g };

    public static TaskRequest Cpu(long cpu) => new() { Name = "t", CpuMilli = cpu };
}

public sealed class BestFitPolicyTests : PolicyContractTests
{
    protected override string Policy => "bestfit";

    [Theory]
    // 1 − (0.5·120000/128000 + 0.5·7000/8000) = 0.09375 → 9
    [InlineData(128000, 8, new int[0], 8000, 1, 1000, 9)]
    // 1 − (0.5·28000/128000 + 0.5·3000/8000) = 0.703125 → 70
    [InlineData(32000, 4, new[] { 700 }, 4000, 1, 300, 70)]
    // CPU-only: 1 − (0.5·0 + 0.5·1000/8000) = 0.9375 → 93
    [InlineData(8000, 1, new int[0], 8000, 0, 0, 93)]
    public void Score_Formula_MatchesSpec(long cpu, int gpus, int[] used, long taskCpu, int n, int g, int expected)
    {
        Assert.Equal(expected, PolicyScore.Of(Policy, PolicyScore.Gpu(n, g, taskCpu), cpu, gpus, used));
    }
}

public sealed class DotProductPolicyTests : PolicyContractTests
{
    protected override string Policy => "dotprod";

    [Theory]
    // dot = 0.5·0.125 + 0.25·0.125 = 0.09375 → 100·(1 − 0.046875) = 95.3 → 95
    [InlineData(64000, 2, 16000, 1, 1000, 95)]
    // CPU-only 32000 on a full 128-core node: dot = 0.25 → 87.5 → 87
    [InlineData(128000, 8, 32000, 0, 0, 87)]
    public void Score_Formula_MatchesSpec(long cpu, int gpus, long taskCpu, int n, int g, int expected)
    {
        Assert.Equal(expected, PolicyScore.Of(Policy, PolicyScore.Gpu(n, g, taskCpu), cpu, gpus, []));
    }
}

public sealed class GpuPackingPolicyTests : PolicyContractTests
{
    protected override string Policy => "gpupacking";

    [Theory]
    [InlineData(8, new int[0], 1, 500, 25)]          // idle node: max(33 − 8, 8)
    [InlineData(2, new int[0], 1, 500, 31)]
    [InlineData(1, new int[0], 1, 1000, 32)]
    [InlineData(4, new[] { 700 }, 1, 200, 97)]       // partly used GPU with 300 free: 100 − 30/10
    [InlineData(4, new[] { 700, 400 }, 1, 500, 94)]  // 300 too small, 600 fits: 100 − 60/10
    [InlineData(4, new[] { 700 }, 1, 1000, 49)]      // needs one fully free GPU on a used node: 50 − 1
    [InlineData(4, new[] { 700 }, 2, 1000, 48)]
    [InlineData(4, new[] { 700 }, 0, 0, 0)]          // CPU-only scores 0
    public void Score_Formula_MatchesSpec(int gpus, int[] used, int n, int g, int expected)
    {
        Assert.Equal(expected, PolicyScore.Of(Policy, PolicyScore.Gpu(n, g), 64000, gpus, used));
    }
}

public sealed class GpuClusteringPolicyTests : PolicyContractTests
{
    protected override string Policy => "gpuclustering";

    [Theory]
    [InlineData(8, new int[0], 1, 500, 25)]          // base 0, no tags yet: +25
    [InlineData(4, new[] { 700 }, 1, 200, 14 + 75)]  // base 25·4700/8000 = 14; only share tasks there: +75
    [InlineData(4, new[] { 700 }, 1, 1000, 14)]      // other kind present: +0
    [InlineData(4, new[] { 700, 1000 }, 1, 200, 17 + 50)] // base 25·5700/8000 = 17; share among two kinds: +50
    [InlineData(4, new[] { 700 }, 0, 0, 0)]          // CPU-only scores 0
    public void Score_Formula_MatchesSpec(int gpus, int[] used, int n, int g, int expected)
    {
        Assert.Equal(expected, PolicyScore.Of(Policy, PolicyScore.Gpu(n, g), 64000, gpus, used));
    }
}

public sealed class SpreadPolicyTests : PolicyContractTests
{
    protected override string Policy => "spread";

    [Theory]
    // cpu (8000 − 4000)·100/8000 = 50, memory (2^20 − 0)·100/2^20 = 100, GPU (2000 − 1000)·100/2000 = 50 → 200/3 = 66
    [InlineData(8000, 2, 4000, 1, 1000, 66)]
    // no GPU request on an idle 2-GPU node: (50 + 100 + 100)/3 = 83
    [InlineData(8000, 2, 4000, 0, 0, 83)]
    public void Score_Formula_LeastAllocated(long cpu, int gpus, long taskCpu, int n, int g, int expected)
    {
        Assert.Equal(expected, PolicyScore.Of(Policy, PolicyScore.Gpu(n, g, taskCpu), cpu, gpus, []));
    }
}

public sealed class FirstFitPolicyTests : PolicyContractTests
{
    protected override string Policy => "firstfit";

    [Fact]
    public void Schedule_EqualNodes_TakesFirstFeasibleInClusterOrder()
    {
        NodeSpec[] nodes = [new() { Name = "a", CpuMilli = 1000 }, new() { Name = "b", CpuMilli = 4000 }, new() { Name = "c", CpuMilli = 4000 }];

        var result = Schedule(nodes, [PolicyScore.Cpu(2000) with { Name = "x" }, PolicyScore.Cpu(2000) with { Name = "y" }, PolicyScore.Cpu(1000) with { Name = "z" }], seed: 1);

        Assert.Equal(["b", "b", "a"], result.Placements.Select(p => p.Node));
    }
}

public sealed class RandomPolicyTests : PolicyContractTests
{
    protected override string Policy => "random";

    [Fact]
    public void Schedule_ManyIdenticalNodes_UsesManyOfThem()
    {
        var nodes = Enumerable.Range(0, 20).Select(i => new NodeSpec { Name = $"n{i}", CpuMilli = 100000, MemoryMiB = 100000 }).ToList();
        var tasks = Enumerable.Range(0, 40).Select(i => PolicyScore.Cpu(100) with { Name = $"t{i}" }).ToList();

        var result = Schedule(nodes, tasks, seed: 2);

        Assert.True(result.Placements.Select(p => p.Node).Distinct().Count() >= 10);
    }
}

public sealed class FgdPolicyTests : PolicyContractTests
{
    protected override string Policy => "fgd";

    [Theory]
    [InlineData(0, 50)]
    [InlineData(200, 54)]
    [InlineData(-200, 45)]
    [InlineData(100, 52)]
    [InlineData(-50, 48)]
    [InlineData(40.004, 50)]
    [InlineData(40.006, 51)]
    public void Sigmoid_Delta_QuantisesAsSpec(double delta, int expected)
    {
        Assert.Equal(expected, Lepton.Core.Placement.Plugins.Fgd.FgdModel.Sigmoid(delta));
    }
}
