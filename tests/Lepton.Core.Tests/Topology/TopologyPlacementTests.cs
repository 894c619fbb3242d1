using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Queueing;
using Lepton.Core.Resources;
using Lepton.Core.Topology;
using Lepton.Core.Workloads;

namespace Lepton.Core.Tests.Topology;

public sealed class TopologyPlacementTests
{
    private static readonly Dictionary<string, ResourceVector> None = [];

    private static NodeSpec Node(string name, string region, string zone, string tier, string rack, int gpus = 8, double price = 10, string? nvlink = null)
    {
        var labels = new Dictionary<string, string> { ["region"] = region, ["zone"] = zone, ["tier"] = tier, ["rack"] = rack };
        if (nvlink is not null)
        {
            labels["nvlink"] = nvlink;
        }

        return new NodeSpec { Name = name, CpuMilli = 64000, MemoryMiB = 512 * 1024, GpuCount = gpus, GpuModel = "A100", Labels = labels, PricePerHour = price };
    }

    /// <summary>Two racks of two 8-GPU nodes each in zone a, one rack of two in zone b.</summary>
    private static List<NodeSpec> Racks() =>
    [
        Node("r1-n1", "eu", "a", "cloud", "r1"), Node("r1-n2", "eu", "a", "cloud", "r1"),
        Node("r2-n1", "eu", "a", "cloud", "r2"), Node("r2-n2", "eu", "a", "cloud", "r2"),
        Node("r3-n1", "eu", "b", "cloud", "r3"), Node("r3-n2", "eu", "b", "cloud", "r3"),
    ];

    private static TaskRequest[] Gang(int replicas, int gpus, TopologyRequirement? topology = null, DataRequirement? data = null, LatencyRequirement? latency = null) =>
        [.. Enumerable.Range(0, replicas).Select(i => new TaskRequest
        {
            Name = $"g-{i}", CpuMilli = 1000, MemoryMiB = 1024, GpuCount = gpus, GpuMilliPerGpu = 1000, Gang = "g",
            Topology = topology, Data = data, Latency = latency,
        })];

    private static void Fill(ClusterState cluster, string node, int gpus)
    {
        var task = new TaskRequest { Name = "filler-" + node, GpuCount = gpus, GpuMilliPerGpu = 1000 };
        var index = cluster.IndexOf(node);
        var set = GpuSet.Empty;
        for (var i = 0; i < gpus; i++)
        {
            set = set.With(i);
        }

        cluster.Allocate(index, task, set);
    }

    private static Plan PlanOne(ClusterState cluster, TaskRequest[] replicas, TimeSpan? duration = null) =>
        new QueuePlanner(PolicyRegistry.Get("spread"), new PlacementOptions()).Plan(cluster, [], [new QueuedJob(1, "t", 5, 1, replicas, duration)], None, None);

    private static string RackOf(ClusterState cluster, int node) => cluster.NodeAt(node).Labels["rack"];

    [Fact]
    public void Plan_RequiredRackWithRoom_KeepsGangInOneRack()
    {
        var cluster = new ClusterState(Racks());
        Fill(cluster, "r1-n1", 4);   // r1 keeps 12 GPUs free, r2 16: only r2 holds 4 × 4 GPUs

        var plan = PlanOne(cluster, Gang(4, 4, new TopologyRequirement("rack", Required: true)));

        var binding = Assert.Single(plan.Bindings);
        Assert.All(binding.Placements, p => Assert.Equal("r2", RackOf(cluster, p.Node)));
        Assert.Contains("required rack kept", binding.Topology);
    }

    [Fact]
    public void Plan_RequiredRackNoneHasRoom_WaitsNamingTheLevel()
    {
        var cluster = new ClusterState(Racks());
        Fill(cluster, "r1-n1", 4);
        Fill(cluster, "r2-n1", 4);
        Fill(cluster, "r3-n1", 4);   // every rack has 12 of the 16 GPUs needed; the cluster has 36 free

        var plan = PlanOne(cluster, Gang(4, 4, new TopologyRequirement("rack", Required: true)));

        Assert.Empty(plan.Bindings);
        var reason = plan.Waiting[1];
        Assert.Equal(QueueReasonCodes.Unschedulable, reason.Code);
        Assert.Contains("required rack: no rack has room for all 4 replicas", reason.Message);
    }

    [Fact]
    public void Plan_PreferredRackNoneHasRoom_LandsAcrossRacksSayingSo()
    {
        var cluster = new ClusterState(Racks());
        Fill(cluster, "r1-n1", 4);
        Fill(cluster, "r2-n1", 4);
        Fill(cluster, "r3-n1", 4);

        var plan = PlanOne(cluster, Gang(4, 4, new TopologyRequirement("rack", Required: false)));

        var binding = Assert.Single(plan.Bindings);
        Assert.Contains("preferred rack given up", binding.Topology);
        Assert.True(binding.Placements.Select(p => RackOf(cluster, p.Node)).Distinct().Count() > 1);
        // The next level up still holds it: both racks of zone a have 24 free GPUs.
        Assert.All(binding.Placements, p => Assert.Equal("a", cluster.NodeAt(p.Node).Labels["zone"]));
        Assert.Contains("placed within region=eu/zone=a", binding.Topology);
    }

    [Fact]
    public void TryPlaceGang_TwoRacksFit_TakesTheTighterOneAndKeepsTheFreeBlock()
    {
        var cluster = new ClusterState(Racks());
        Fill(cluster, "r2-n1", 4);   // r2 has 12 free, r1 and r3 16: a 12-GPU gang fits r2 exactly
        var engine = new PlacementEngine(cluster, PolicyRegistry.Get("spread"), new PlacementOptions());
        var placements = new NodePlacement[3];

        Assert.True(engine.TryPlaceGang(Gang(3, 4, new TopologyRequirement("rack", Required: true)), placements));

        Assert.All(placements, p => Assert.Equal("r2", RackOf(cluster, p.Node)));
    }

    [Fact]
    public void TryPlaceGang_NvLink_PutsReplicaGpusInOneGroup()
    {
        var cluster = new ClusterState([Node("n", "eu", "a", "cloud", "r1", nvlink: "4")]);
        cluster.Allocate(0, new TaskRequest { Name = "x", GpuCount = 1, GpuMilliPerGpu = 1000 }, GpuSet.Of(0));
        var engine = new PlacementEngine(cluster, PolicyRegistry.Get("bestfit"), new PlacementOptions());
        var placements = new NodePlacement[1];

        Assert.True(engine.TryPlaceGang(Gang(1, 4, new TopologyRequirement(null, false, NvLink: true)), placements));

        Assert.Equal(GpuSet.Of(4, 5, 6, 7), placements[0].Gpus);
    }

    private static readonly long FiveHundredGi = 500L * 1024;

    [Fact]
    public void Plan_DataZoneWithRoom_RunsThereWithEstimateSizeOverBandwidthPlusLatency()
    {
        var cluster = new ClusterState(Racks());
        var plan = PlanOne(cluster, Gang(1, 2, data: new DataRequirement("imagenet", FiveHundredGi, "b")));

        var binding = Assert.Single(plan.Bindings);
        Assert.Equal("b", cluster.NodeAt(binding.Placements[0].Node).Labels["zone"]);
        // Inside zone b the path climbs the node's NIC (100 Gbps, 0.005 ms), its rack (50, 0.02) and its cloud tier
        // (25, 0.5): bottleneck 25 Gbps, latency 0.525 ms.
        var engine = new PlacementEngine(cluster, PolicyRegistry.Get("spread"), new PlacementOptions());
        var estimate = engine.Topology.EstimateTransfer(FiveHundredGi, engine.Topology.Locate("zone=b")!, binding.Placements[0].Node);
        var expected = (500.0 * 1024 * 1024 * 1024 * 8 / 25e9) + (0.525 / 1000);
        Assert.Equal(25, estimate.BottleneckGbps);
        Assert.Equal(expected, estimate.Seconds, 9);
        Assert.Contains("data 'imagenet' at zone=b: transfer estimate 2.9 min (500 Gi / 25 Gbps + 0.525 ms", binding.Topology);
    }

    [Fact]
    public void Plan_DataZoneFullShortRun_WaitsForTheDataZoneThenRunsThere()
    {
        var cluster = new ClusterState(Racks());
        Fill(cluster, "r3-n1", 8);
        Fill(cluster, "r3-n2", 8);   // zone b is full
        var job = Gang(1, 2, data: new DataRequirement("imagenet", FiveHundredGi, "b", RunTime: TimeSpan.FromMinutes(10)));

        // Zone a is 4.3 min further (10 Gbps between zones): more than 25 % of a 10-minute run, so it waits.
        var waiting = PlanOne(cluster, job, TimeSpan.FromMinutes(10));
        Assert.Empty(waiting.Bindings);
        Assert.Contains("waiting for room near the data", waiting.Waiting[1].Message);

        cluster.Release(cluster.IndexOf("r3-n2"), new TaskRequest { Name = "filler-r3-n2", GpuCount = 8, GpuMilliPerGpu = 1000 }, GpuSet.Of(0, 1, 2, 3, 4, 5, 6, 7));
        var plan = PlanOne(cluster, job, TimeSpan.FromMinutes(10));
        Assert.Equal("b", cluster.NodeAt(Assert.Single(plan.Bindings).Placements[0].Node).Labels["zone"]);
    }

    [Fact]
    public void Plan_DataZoneFullLongRun_RunsInTheOtherZoneNow()
    {
        var cluster = new ClusterState(Racks());
        Fill(cluster, "r3-n1", 8);
        Fill(cluster, "r3-n2", 8);
        var job = Gang(1, 2, data: new DataRequirement("imagenet", FiveHundredGi, "b", RunTime: TimeSpan.FromHours(4)));

        var plan = PlanOne(cluster, job, TimeSpan.FromHours(4));

        var binding = Assert.Single(plan.Bindings);
        Assert.Equal("a", cluster.NodeAt(binding.Placements[0].Node).Labels["zone"]);
        Assert.Contains("/ 10 Gbps", binding.Topology);
    }

    private static List<NodeSpec> EdgeAndCloud() =>
    [
        Node("us-cloud-1", "us", "us-1", "cloud", "c1", gpus: 8, price: 1),
        Node("us-cloud-2", "us", "us-1", "cloud", "c1", gpus: 8, price: 1),
        Node("eu-edge-1", "eu", "eu-1", "edge", "e1", gpus: 1, price: 6),
        Node("eu-edge-2", "eu", "eu-2", "edge", "e2", gpus: 1, price: 4),
    ];

    [Fact]
    public void Plan_EdgeJob20Ms_LandsOnCheapestEdgeNodeOfItsRegionNeverInDistantCloud()
    {
        var cluster = new ClusterState(EdgeAndCloud());

        var plan = PlanOne(cluster, Gang(1, 1, latency: new LatencyRequirement("eu", 20)));

        var binding = Assert.Single(plan.Bindings);
        Assert.Equal("eu-edge-2", cluster.NodeAt(binding.Placements[0].Node).Name);
        Assert.Contains("ms from users at region=eu (budget 20 ms) on edge node eu-edge-2", binding.Topology);
    }

    [Fact]
    public void Plan_EdgeFull_WaitsRatherThanGoingToDistantCloud()
    {
        var cluster = new ClusterState(EdgeAndCloud());
        Fill(cluster, "eu-edge-1", 1);
        Fill(cluster, "eu-edge-2", 1);

        var plan = PlanOne(cluster, Gang(1, 1, latency: new LatencyRequirement("eu", 20)));

        Assert.Empty(plan.Bindings);
        Assert.Contains("latency: 2 nodes are within 20 ms of users at region=eu, but none has room", plan.Waiting[1].Message);
    }

    [Fact]
    public void Plan_BudgetNoNodeMeets_SaysLatencyFailed()
    {
        var cluster = new ClusterState(EdgeAndCloud());

        var plan = PlanOne(cluster, Gang(1, 1, latency: new LatencyRequirement("eu", 3)));

        Assert.Empty(plan.Bindings);
        Assert.Equal(QueueReasonCodes.NeverFits, plan.Waiting[1].Code);
        Assert.Contains("latency: no node is within 3 ms of users at region=eu (the nearest is 5.03 ms)", plan.Waiting[1].Message);
    }

    [Fact]
    public void TryPlaceGang_NoTopology_LeavesLastTopologyUnset()
    {
        var cluster = new ClusterState(Racks());
        var engine = new PlacementEngine(cluster, PolicyRegistry.Get("spread"), new PlacementOptions());
        var placements = new NodePlacement[4];

        Assert.True(engine.TryPlaceGang(Gang(4, 4), placements));

        Assert.Null(engine.LastTopology);
    }
}
