using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Workloads;

namespace Lepton.Core.Tests.Placement;

public sealed class PlacementEngineTests
{
    [Fact]
    public void Explain_NetworkShort_NamesNetworkWithNodeCounts()
    {
        var cluster = new ClusterState([new NodeSpec { Name = "n", CpuMilli = 100000, MemoryMiB = 1 << 20, NetworkMbps = 10000 }]);
        var engine = new PlacementEngine(cluster, PolicyRegistry.Get("bestfit"), new PlacementOptions());
        engine.Commit(new TaskRequest { Name = "first", CpuMilli = 1000, NetworkMbps = 4000 }, new NodePlacement(0, GpuSet.Empty));
        var task = new TaskRequest { Name = "second", CpuMilli = 1000, NetworkMbps = 8000 };

        Assert.False(engine.TryPlace(task, out _));
        var reason = engine.Explain(task);

        Assert.Equal("InsufficientNetwork", reason.Code);
        Assert.Equal("network: 0 of 1 nodes have 8000 Mbps free", reason.Message);
        Assert.Equal([new ConstraintRejection("network", 1, 1, "network: 0 of 1 nodes have 8000 Mbps free")], reason.Rejections);
    }

    [Theory]
    [InlineData(64000, 1, 500, "", "cpu", "InsufficientCpu")]
    [InlineData(1000, 1, 500, "", "memory", "InsufficientMemory")]
    [InlineData(1000, 4, 1000, "", "gpu", "InsufficientGpu")]
    [InlineData(1000, 1, 500, "A100", "gpu-model", "GpuModelNotAllowed")]
    public void Explain_EachConstraint_ReportsItsCode(long cpu, int n, int g, string model, string constraint, string code)
    {
        var cluster = new ClusterState(
        [
            new NodeSpec { Name = "a", CpuMilli = 32000, MemoryMiB = 4096, GpuCount = 2, GpuModel = "T4" },
            new NodeSpec { Name = "b", CpuMilli = 32000, MemoryMiB = 4096, GpuCount = 2, GpuModel = "T4" },
        ]);
        var engine = new PlacementEngine(cluster, PolicyRegistry.Get("bestfit"), new PlacementOptions());
        var task = new TaskRequest
        {
            Name = "t", CpuMilli = cpu, MemoryMiB = constraint == "memory" ? 8192 : 1024, GpuCount = n, GpuMilliPerGpu = g,
            GpuModels = model.Length == 0 ? [] : [model],
        };

        var reason = engine.Explain(task);

        Assert.Equal(code, reason.Code);
        Assert.Equal(constraint, Assert.Single(reason.Rejections).Constraint);
        Assert.StartsWith($"{constraint}: 0 of 2 nodes", reason.Message);
    }

    [Fact]
    public void Explain_DrainingAndSelector_CountsEachConstraintOnItsOwn()
    {
        var cluster = new ClusterState(
        [
            new NodeSpec { Name = "a", CpuMilli = 4000, MemoryMiB = 4096, Labels = new Dictionary<string, string> { ["zone"] = "eu" } },
            new NodeSpec { Name = "b", CpuMilli = 4000, MemoryMiB = 4096, Labels = new Dictionary<string, string> { ["zone"] = "us" } },
            new NodeSpec { Name = "c", CpuMilli = 4000, MemoryMiB = 4096, State = NodeState.Draining, Labels = new Dictionary<string, string> { ["zone"] = "eu" } },
        ]);
        var engine = new PlacementEngine(cluster, PolicyRegistry.Get("spread"), new PlacementOptions());
        var task = new TaskRequest { Name = "t", CpuMilli = 1000, NodeSelector = new Dictionary<string, string> { ["zone"] = "eu" } };
        cluster.SetState(0, NodeState.Down);

        Assert.False(engine.TryPlace(task, out _));
        var reason = engine.Explain(task);

        Assert.Equal(["node-state:2", "labels:1"], reason.Rejections.Select(r => $"{r.Constraint}:{r.NodesRuledOut}"));
        Assert.Equal("NodeNotReady", reason.Code);
        Assert.Contains("labels: 2 of 3 nodes match zone=eu", reason.Message);
    }

    [Fact]
    public void TryPlaceGang_OneReplicaDoesNotFit_RollsBackEverything()
    {
        var cluster = new ClusterState([new NodeSpec { Name = "n", CpuMilli = 4000, MemoryMiB = 4096, GpuCount = 2, GpuModel = "T4" }]);
        var engine = new PlacementEngine(cluster, PolicyRegistry.Get("bestfit"), new PlacementOptions());
        TaskRequest[] gang = [.. Enumerable.Range(0, 3).Select(i => new TaskRequest { Name = $"r{i}", CpuMilli = 1000, GpuCount = 1, GpuMilliPerGpu = 1000, Gang = "g" })];
        var result = new NodePlacement[3];

        Assert.False(engine.TryPlaceGang(gang, result));
        Assert.Equal(Lepton.Core.Resources.ResourceVector.Zero, cluster.TotalAllocated);
        Assert.True(engine.TryPlaceGang(gang[..2], result));
        Assert.Equal(2000, cluster.TotalAllocated.GpuMilli);
    }

    [Fact]
    public void TryPlace_SameSeedNoRanks_SameRandomTieBreakPermutation()
    {
        var nodes = SyntheticWorkload.Nodes(50);
        var a = new PlacementEngine(new ClusterState(nodes), PolicyRegistry.Get("bestfit"), new PlacementOptions { Seed = 4 });
        var b = new PlacementEngine(new ClusterState(nodes), PolicyRegistry.Get("bestfit"), new PlacementOptions { Seed = 4 });
        var c = new PlacementEngine(new ClusterState(nodes), PolicyRegistry.Get("bestfit"), new PlacementOptions { Seed = 5 });

        Assert.Equal(a.NodeRanks, b.NodeRanks);
        Assert.NotEqual(a.NodeRanks, c.NodeRanks);
        Assert.Equal(Enumerable.Range(0, 50), a.NodeRanks.Order());
    }

    [Fact]
    public void Constructor_FgdWithoutTargetWorkload_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            new PlacementEngine(new ClusterState(SyntheticWorkload.Nodes(3)), PolicyRegistry.Get("fgd"), new PlacementOptions()));

        Assert.Contains("TargetWorkload", e.Message);
    }

    [Theory]
    [InlineData("Best", new[] { 700, 400, 0 }, 1)]      // free 300, 600, 1000: 600 is the tightest fit for 500
    [InlineData("MostFree", new[] { 700, 400, 0 }, 2)]
    [InlineData("Best", new[] { 700, 800, 0 }, 2)]      // only the fully free GPU fits
    public void TryPlace_ShareTask_PicksGpuByRule(string rule, int[] used, int expected)
    {
        var policy = rule == "Best" ? "bestfit" : "spread";
        var cluster = new ClusterState([new NodeSpec { Name = "n", CpuMilli = 64000, MemoryMiB = 65536, GpuCount = 3, GpuModel = "T4" }]);
        for (var j = 0; j < used.Length; j++)
        {
            if (used[j] > 0)
            {
                cluster.Allocate(0, new TaskRequest { Name = $"u{j}", GpuCount = 1, GpuMilliPerGpu = used[j] }, GpuSet.Of(j));
            }
        }

        var engine = new PlacementEngine(cluster, PolicyRegistry.Get(policy), new PlacementOptions());

        Assert.True(engine.TryPlace(new TaskRequest { Name = "t", GpuCount = 1, GpuMilliPerGpu = 500 }, out var p));
        Assert.Equal(GpuSet.Of(expected), p.Gpus);
    }

    [Fact]
    public void TryPlace_WholeGpus_TakesLowestIndexFullyFree()
    {
        var cluster = new ClusterState([new NodeSpec { Name = "n", CpuMilli = 64000, MemoryMiB = 65536, GpuCount = 4, GpuModel = "T4" }]);
        cluster.Allocate(0, new TaskRequest { Name = "u", GpuCount = 1, GpuMilliPerGpu = 100 }, GpuSet.Of(1));
        var engine = new PlacementEngine(cluster, PolicyRegistry.Get("bestfit"), new PlacementOptions());

        Assert.True(engine.TryPlace(new TaskRequest { Name = "t", GpuCount = 2, GpuMilliPerGpu = 1000 }, out var p));
        Assert.Equal(GpuSet.Of(0, 2), p.Gpus);
    }

    [Fact]
    public void TryPlace_MoreChangesThanJournalHolds_StillSeesCurrentState()
    {
        var nodes = SyntheticWorkload.Nodes(10);
        var cluster = new ClusterState(nodes);
        var engine = new PlacementEngine(cluster, PolicyRegistry.Get("bestfit"), new PlacementOptions());
        var probe = new TaskRequest { Name = "probe", CpuMilli = 1000, GpuCount = 1, GpuMilliPerGpu = 500 };
        Assert.True(engine.TryPlace(probe, out var first));
        var filler = new TaskRequest { Name = "f", CpuMilli = 1, GpuCount = 1, GpuMilliPerGpu = 1 };

        // 3000 changes outrun the journal (1024 entries for 10 nodes); the last one leaves a partly used GPU on node 9.
        for (var i = 0; i < 1500; i++)
        {
            cluster.Allocate(first.Node, filler, GpuSet.Of(0));
            cluster.Release(first.Node, filler, GpuSet.Of(0));
        }

        var other = first.Node == 9 ? 8 : 9;
        cluster.Allocate(other, new TaskRequest { Name = "used", GpuCount = 1, GpuMilliPerGpu = 400 }, GpuSet.Of(0));
        var reference = new PlacementEngine(cluster, PolicyRegistry.Get("bestfit"), new PlacementOptions());
        reference.DisableNodeClasses();

        Assert.True(engine.TryPlace(probe, out var after));
        Assert.True(reference.TryPlace(probe, out var expected));
        Assert.Equal(expected, after);
    }

    [Fact]
    public void TryPlaceCommit_BestFit_AllocatesNothing()
    {
        var nodes = SyntheticWorkload.Nodes(200);
        var tasks = SyntheticWorkload.Tasks(600).ToArray();
        var engine = new PlacementEngine(new ClusterState(nodes), PolicyRegistry.Get("bestfit"), new PlacementOptions());
        Place(engine, tasks, 0, 100);

        var before = GC.GetAllocatedBytesForCurrentThread();
        Place(engine, tasks, 100, tasks.Length);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }

    [Theory]
    [InlineData("gavel")]
    [InlineData("gavel-cost")]
    public void TryPlaceCommit_HeterogeneityPolicyWithThroughputTables_AllocatesNothing(string policy)
    {
        var nodes = SyntheticWorkload.Nodes(200).Select((n, i) => n with { PricePerHour = 1 + (i % 7) }).ToList();
        var throughput = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase) { ["t4"] = 1, ["v100m16"] = 3, ["G2"] = 2, ["P100"] = 1.5 };
        var tasks = SyntheticWorkload.Tasks(600).Select(t => t with { GpuModelThroughput = throughput, RdmaMilli = 0 }).ToArray();
        var engine = new PlacementEngine(new ClusterState(nodes), PolicyRegistry.Get(policy), new PlacementOptions());
        Place(engine, tasks, 0, 100);

        var before = GC.GetAllocatedBytesForCurrentThread();
        Place(engine, tasks, 100, tasks.Length);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }

    private static void Place(PlacementEngine engine, TaskRequest[] tasks, int from, int to)
    {
        for (var i = from; i < to; i++)
        {
            var task = tasks[i];
            if (engine.TryPlace(task, out var p))
            {
                engine.Commit(task, p);
            }
        }
    }
}
