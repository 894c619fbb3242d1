using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Resources;
using Lepton.Core.Workloads;

namespace Lepton.Core.Tests.Cluster;

public sealed class ClusterStateTests
{
    private static readonly NodeSpec[] Nodes =
    [
        new() { Name = "a", CpuMilli = 8000, MemoryMiB = 16384, GpuCount = 2, GpuModel = "T4", Fpga = 1, NetworkMbps = 1000 },
        new() { Name = "b", CpuMilli = 4000, MemoryMiB = 8192 },
    ];

    [Fact]
    public void AllocateRelease_ShareAndCpu_UpdatesFreeAndVersions()
    {
        var cluster = new ClusterState(Nodes);
        var task = new TaskRequest { Name = "t", CpuMilli = 2000, MemoryMiB = 1024, GpuCount = 1, GpuMilliPerGpu = 300, Fpga = 1, NetworkMbps = 400 };
        var version = cluster.NodeVersion(0);

        cluster.Allocate(0, task, GpuSet.Of(1));

        Assert.Equal(new ResourceVector(6000, 15360, 1700, 0, 600), cluster.Free(0));
        Assert.Equal(700, cluster.GpuFreeMilli(0, 1));
        Assert.Equal(1, cluster.TaskCount(0));
        Assert.NotEqual(version, cluster.NodeVersion(0));
        Assert.Equal(new ResourceVector(2000, 1024, 300, 1, 400), cluster.TotalAllocated);

        cluster.Release(0, task, GpuSet.Of(1));

        Assert.Equal(ResourceVector.Zero, cluster.TotalAllocated);
        Assert.Equal(new ResourceVector(12000, 24576, 2000, 1, 1000), cluster.TotalCapacity);
    }

    [Theory]
    [InlineData(9000, 0, 0, 0)]      // CPU over capacity
    [InlineData(1000, 1, 1000, 32)]  // GPU 5 on a 2-GPU node
    [InlineData(1000, 2, 1000, 1)]   // two GPUs asked, one given
    public void Allocate_BeyondCapacityOrWrongGpus_Throws(long cpu, int n, int g, int gpuMask)
    {
        var cluster = new ClusterState(Nodes);
        var task = new TaskRequest { Name = "t", CpuMilli = cpu, GpuCount = n, GpuMilliPerGpu = g };

        Assert.Throws<InvalidOperationException>(() => cluster.Allocate(0, task, new GpuSet((ulong)gpuMask)));
        Assert.Equal(ResourceVector.Zero, cluster.TotalAllocated);
    }

    [Fact]
    public void Allocate_GpuAlreadyFull_Throws()
    {
        var cluster = new ClusterState(Nodes);
        var whole = new TaskRequest { Name = "w", GpuCount = 1, GpuMilliPerGpu = 1000 };
        cluster.Allocate(0, whole, GpuSet.Of(0));

        Assert.Throws<InvalidOperationException>(() => cluster.Allocate(0, whole with { Name = "x" }, GpuSet.Of(0)));
    }

    [Fact]
    public void Constructor_DuplicateNames_Throws()
    {
        Assert.Throws<ArgumentException>(() => new ClusterState([Nodes[0], Nodes[0]]));
    }

    [Fact]
    public void IndexOfAndSetState_ByName_FindsNodeAndChangesState()
    {
        var cluster = new ClusterState(Nodes);

        cluster.SetState(cluster.IndexOf("b"), NodeState.Draining);

        Assert.Equal(-1, cluster.IndexOf("zz"));
        Assert.Equal(NodeState.Draining, cluster.StateOf(1));
        Assert.Equal("b", cluster.NodeAt(1).Name);
    }
}
