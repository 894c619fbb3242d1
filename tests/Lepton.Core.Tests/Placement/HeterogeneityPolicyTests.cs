using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Workloads;

namespace Lepton.Core.Tests.Placement;

public sealed class GavelPolicyTests : PolicyContractTests
{
    protected override string Policy => "gavel";

    private static readonly NodeSpec[] Cluster =
    [
        new() { Name = "k80", GpuCount = 4, GpuModel = "K80", PricePerHour = 4 * 0.45 },
        new() { Name = "p100", GpuCount = 4, GpuModel = "P100", PricePerHour = 4 * 1.46 },
        new() { Name = "v100", GpuCount = 4, GpuModel = "V100", PricePerHour = 4 * 2.48 },
    ];

    [Theory]
    // Throughput per GPU (steps/s), lower-case model names as in Gavel's files: the fastest model wins.
    [InlineData(1.0, 3.0, 5.4, "v100")]
    [InlineData(1.0, 3.0, 2.0, "p100")]
    [InlineData(9.0, 3.0, 5.4, "k80")]
    public void TryPlace_ThroughputTable_ChoosesFastestModel(double k80, double p100, double v100, string expected)
    {
        var task = Task(k80, p100, v100);

        var engine = new PlacementEngine(new ClusterState(Cluster), PolicyRegistry.Get(Policy));

        Assert.True(engine.TryPlace(task, out var placement));
        Assert.Equal(expected, engine.Cluster.NodeAt(placement.Node).Name);
    }

    [Fact]
    public void TryPlace_FastestModelFull_FallsBackToNextFastest()
    {
        var engine = new PlacementEngine(new ClusterState(Cluster), PolicyRegistry.Get(Policy));
        var task = Task(1, 3, 5.4) with { GpuCount = 4 };
        Assert.True(engine.TryPlace(task, out var first));
        engine.Commit(task, first);

        Assert.True(engine.TryPlace(task with { Name = "second" }, out var second));

        Assert.Equal(("v100", "p100"), (engine.Cluster.NodeAt(first.Node).Name, engine.Cluster.NodeAt(second.Node).Name));
    }

    [Fact]
    public void TryPlace_NoTable_SameAsBestFit()
    {
        var (nodes, tasks) = Workload(seed: 21);
        var plain = tasks.Select(t => t with { GpuModelThroughput = new Dictionary<string, double>() }).ToList();

        var gavel = Schedule(nodes, plain, seed: 21);
        var bestfit = new Scheduler("bestfit", new PlacementOptions { Seed = 21 });
        foreach (var node in nodes)
        {
            bestfit.AddNode(node);
        }

        foreach (var task in plain)
        {
            bestfit.AddTask(task);
        }

        var expected = bestfit.Schedule();
        Assert.Equal(expected.Placements.Select(p => (p.Task.Name, p.Node)), gavel.Placements.Select(p => (p.Task.Name, p.Node)));
    }

    [Fact]
    public void TryPlace_CostAware_ChoosesMostThroughputPerPrice()
    {
        // Per GPU-hour: K80 1.0/0.45 = 2.2, P100 3.0/1.46 = 2.05, V100 5.4/2.48 = 2.18 → K80 is the best buy,
        // although V100 is the fastest.
        var engine = new PlacementEngine(new ClusterState(Cluster), PolicyRegistry.Get("gavel-cost"));

        Assert.True(engine.TryPlace(Task(1.0, 3.0, 5.4), out var placement));

        Assert.Equal("k80", engine.Cluster.NodeAt(placement.Node).Name);
    }

    [Fact]
    public void PolicyRegistry_ListsHeterogeneityPolicies()
    {
        Assert.Contains("gavel", PolicyRegistry.Names);
        Assert.Contains("gavel-cost", PolicyRegistry.Names);
    }

    private static TaskRequest Task(double k80, double p100, double v100) => new()
    {
        Name = "job",
        GpuCount = 1,
        GpuMilliPerGpu = 1000,
        GpuModelThroughput = new Dictionary<string, double> { ["k80"] = k80, ["p100"] = p100, ["v100"] = v100 },
    };
}

public sealed class GavelCostPolicyTests : PolicyContractTests
{
    protected override string Policy => "gavel-cost";
}
