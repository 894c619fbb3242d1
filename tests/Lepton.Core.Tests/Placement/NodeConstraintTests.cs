using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Resources;
using Lepton.Core.Workloads;

namespace Lepton.Core.Tests.Placement;

/// <summary>The per-node replica limit (anti-affinity), RDMA NICs as a resource and case-insensitive GPU models.</summary>
public sealed class NodeConstraintTests
{
    private static NodeSpec[] IdenticalNodes(int count, int rdmaNics = 0) =>
        [.. Enumerable.Range(0, count).Select(i => new NodeSpec { Name = $"n{i}", CpuMilli = 64000, MemoryMiB = 65536, GpuCount = 8, GpuModel = "V100", RdmaNics = rdmaNics })];

    [Theory]
    [InlineData("bestfit", 1)]
    [InlineData("bestfit", 2)]
    [InlineData("fgd", 3)]
    [InlineData("gpupacking", 2)]
    [InlineData("gavel", 1)]
    public void TryPlaceGang_MaxPerNode_NeverMoreReplicasOnANodeThanAllowed(string policy, int maxPerNode)
    {
        // Identical nodes fall into one equivalence class; the limit must still be checked node by node.
        var nodes = IdenticalNodes(4);
        var replicas = Enumerable.Range(0, 4 * maxPerNode)
            .Select(i => new TaskRequest { Name = $"r{i}", CpuMilli = 1000, GpuCount = 1, GpuMilliPerGpu = 1000, Gang = "app", MaxPerNode = maxPerNode })
            .ToArray();
        var state = new ClusterState(nodes);
        var engine = new PlacementEngine(state, PolicyRegistry.Get(policy), new PlacementOptions { TargetWorkload = TargetWorkload.FromTasks(replicas) });
        var result = new NodePlacement[replicas.Length];

        Assert.True(engine.TryPlaceGang(replicas, result));

        Assert.All(Enumerable.Range(0, 4), n => Assert.Equal(maxPerNode, state.ReplicasOn(n, "app")));
        Assert.False(engine.TryPlace(replicas[0] with { Name = "one-more" }, out _));
        Assert.Equal("MaxPerNodeReached", engine.Explain(replicas[0] with { Name = "one-more" }).Code);
    }

    [Fact]
    public void Release_MaxPerNode_FreesTheSlot()
    {
        var state = new ClusterState(IdenticalNodes(1));
        var engine = new PlacementEngine(state, PolicyRegistry.Get("bestfit"));
        var task = new TaskRequest { Name = "a", CpuMilli = 1000, App = "svc", MaxPerNode = 1 };
        Assert.True(engine.TryPlace(task, out var placement));
        engine.Commit(task, placement);
        Assert.False(engine.TryPlace(task with { Name = "b" }, out _));

        state.Release(placement.Node, task, placement.Gpus);

        Assert.Equal(0, state.ReplicasOn(0, "svc"));
        Assert.True(engine.TryPlace(task with { Name = "b" }, out _));
    }

    [Fact]
    public void Allocate_BeyondMaxPerNode_Throws()
    {
        var state = new ClusterState(IdenticalNodes(1));
        var task = new TaskRequest { Name = "a", App = "svc", MaxPerNode = 1 };
        state.Allocate(0, task, default);

        Assert.Throws<InvalidOperationException>(() => state.Allocate(0, task with { Name = "b" }, default));
    }

    [Fact]
    public void MaxPerNode_OtherAppsAndUnlimitedTasks_NotCounted()
    {
        var state = new ClusterState(IdenticalNodes(1));
        state.Allocate(0, new TaskRequest { Name = "a", App = "svc", MaxPerNode = 1 }, default);
        state.Allocate(0, new TaskRequest { Name = "b", App = "other", MaxPerNode = 1 }, default);
        state.Allocate(0, new TaskRequest { Name = "c", App = "svc" }, default);

        Assert.Equal((1, 1), (state.ReplicasOn(0, "svc"), state.ReplicasOn(0, "other")));
    }

    [Theory]
    [InlineData(0, 250, false)]
    [InlineData(1, 250, true)]
    [InlineData(1, 1000, true)]
    [InlineData(1, 1001, false)]
    [InlineData(2, 1500, true)]
    public void TryPlace_Rdma_FitsOnlyWhereNicsAreFree(int nics, long rdmaMilli, bool fits)
    {
        var engine = new PlacementEngine(new ClusterState(IdenticalNodes(1, nics)), PolicyRegistry.Get("bestfit"));
        var task = new TaskRequest { Name = "t", CpuMilli = 1000, RdmaMilli = rdmaMilli };

        Assert.Equal(fits, engine.TryPlace(task, out _));
        if (!fits)
        {
            Assert.Equal("InsufficientRdma", engine.Explain(task).Code);
        }
    }

    [Fact]
    public void Allocate_Rdma_CountsInCapacityAndFree()
    {
        var state = new ClusterState(IdenticalNodes(1, rdmaNics: 2));
        var engine = new PlacementEngine(state, PolicyRegistry.Get("bestfit"));
        var task = new TaskRequest { Name = "t", RdmaMilli = 750 };
        Assert.True(engine.TryPlace(task, out var first));
        engine.Commit(task, first);
        Assert.True(engine.TryPlace(task with { Name = "u" }, out var second));
        engine.Commit(task with { Name = "u" }, second);

        Assert.Equal(500, state.Free(0).RdmaMilli);
        Assert.Equal(2000, state.TotalCapacity.RdmaMilli);
        Assert.False(engine.TryPlace(task with { Name = "v" }, out _));
    }

    [Theory]
    [InlineData("v100")]
    [InlineData("V100")]
    public void TryPlace_GpuModelCase_Ignored(string model)
    {
        var engine = new PlacementEngine(new ClusterState(IdenticalNodes(1)), PolicyRegistry.Get("bestfit"));

        Assert.True(engine.TryPlace(new TaskRequest { Name = "t", GpuCount = 1, GpuMilliPerGpu = 1000, GpuModels = [model] }, out _));
    }

    [Theory]
    [InlineData("1", 1000)]
    [InlineData("0.25", 250)]
    [InlineData("250m", 250)]
    public void ParseRdmaMilli_Units(string text, long expected) => Assert.Equal(expected, Quantity.ParseRdmaMilli(text));

    [Fact]
    public void ResourceVector_Rdma_FitsInAndArithmetic()
    {
        var capacity = new ResourceVector(1000, 1024, 0, 0, 0, RdmaMilli: 1000);

        Assert.True(new ResourceVector(0, 0, 0, 0, 0, 1000).FitsIn(capacity));
        Assert.False(new ResourceVector(0, 0, 0, 0, 0, 1001).FitsIn(capacity));
        Assert.Equal(500, (capacity - new ResourceVector(0, 0, 0, 0, 0, 500)).RdmaMilli);
    }
}
