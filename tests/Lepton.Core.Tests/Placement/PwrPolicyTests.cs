using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Placement.Plugins.Power;
using Lepton.Core.Power;
using Lepton.Core.Tests.Power;
using Lepton.Core.Workloads;

namespace Lepton.Core.Tests.Placement;

public sealed class PwrPolicyTests
{
    [Fact]
    public void TryPlace_Pwr_WorkedExample_PicksNodeAGpu1AndAdds60W()
    {
        var (state, task) = WorkedExample.Cluster();
        var engine = new PlacementEngine(state, PolicyRegistry.Get("pwr"));
        var power = new ClusterPower(state);

        Assert.True(engine.TryPlace(task, out var placement));
        Assert.Equal(0, placement.Node);
        Assert.Equal([1], placement.Gpus.ToArray());
        engine.Commit(task, placement);
        Assert.Equal(1115, power.TotalWatts);
    }

    [Fact]
    public void ScoreOf_Pwr_WorkedExample_Normalised100_0_72()
    {
        var (state, task) = WorkedExample.Cluster();
        var engine = new PlacementEngine(state, PolicyRegistry.Get("pwr"));

        Assert.Equal([100_000, 0, 72_000], Enumerable.Range(0, 3).Select(n => engine.ScoreOf(task, n)!.Value));
    }

    [Theory]
    [InlineData(-60, 100)]
    [InlineData(-225, 0)]
    [InlineData(-105, 72)]
    public void Normalise_WorkedExample_IntegerDivision(long raw, long expected) =>
        Assert.Equal(expected, PwrScore.Normalise(raw, -225, -60));

    [Theory]
    [InlineData(200, 52_000, 38_400, 58_400)]   // → node-c
    [InlineData(500, 70_000, 24_000, 63_500)]   // → node-a
    public void Combine_WorkedExampleIllustrativeFgdScores_MatchesSpec(int pwrWeight, long a, long b, long c)
    {
        var fgd = 1000 - pwrWeight;

        Assert.Equal(a, PwrScore.Combine(pwrWeight, 100, fgd, 40));
        Assert.Equal(b, PwrScore.Combine(pwrWeight, 0, fgd, 48));
        Assert.Equal(c, PwrScore.Combine(pwrWeight, 72, fgd, 55));
    }

    [Fact]
    public void TryPlace_Pwr_TiesGoToSmallestNodeNameWhateverTheRanks()
    {
        NodeSpec[] nodes =
        [
            new() { Name = "n-2", CpuMilli = 32000, MemoryMiB = 65536, GpuCount = 2, GpuModel = "T4" },
            new() { Name = "n-1", CpuMilli = 32000, MemoryMiB = 65536, GpuCount = 2, GpuModel = "T4" },
            new() { Name = "n-3", CpuMilli = 32000, MemoryMiB = 65536, GpuCount = 2, GpuModel = "T4" },
        ];
        var engine = new PlacementEngine(new ClusterState(nodes), PolicyRegistry.Get("pwr"), new PlacementOptions { NodeRanks = [0, 1, 2] });

        Assert.True(engine.TryPlace(new TaskRequest { Name = "t", CpuMilli = 1000, GpuCount = 1, GpuMilliPerGpu = 1000 }, out var placement));
        Assert.Equal("n-1", engine.Cluster.NodeAt(placement.Node).Name);
    }

    [Theory]
    [InlineData("pwr+fgd:200", 200, 800)]
    [InlineData("pwr+fgd:25", 25, 975)]
    [InlineData("PWR+FGD:333", 333, 667)]
    public void Get_Combination_WeightsAddTo1000(string name, int pwr, int fgd)
    {
        var policy = PolicyRegistry.Get(name);

        Assert.Equal([new WeightedScore("power", pwr), new WeightedScore("fragmentation-gradient", fgd)], policy.Scores);
        Assert.Equal(GpuSelectionRule.FragmentationGradient, policy.GpuSelection);
        Assert.True(policy.TieBreakByNodeName);
    }

    [Theory]
    [InlineData("pwr+fgd:0")]
    [InlineData("pwr+fgd:1000")]
    [InlineData("pwr+fgd:x")]
    public void TryGet_CombinationOutOfRange_False(string name) => Assert.False(PolicyRegistry.TryGet(name, out _));

    [Fact]
    public void Names_ListPwrAndThePaperCombinations()
    {
        Assert.Contains("pwr", PolicyRegistry.Names);
        foreach (var w in new[] { 500, 300, 200, 100, 50, 25 })
        {
            Assert.Contains($"pwr+fgd:{w}", PolicyRegistry.Names);
        }
    }
}

public sealed class PwrPolicyContractTests : PolicyContractTests
{
    protected override string Policy => "pwr";
}

public sealed class PwrFgdPolicyContractTests : PolicyContractTests
{
    protected override string Policy => "pwr+fgd:200";
}
