using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Power;
using Lepton.Core.Tests.TestData;

namespace Lepton.Core.Tests.Power;

public sealed class PowerModelTests
{
    [Theory]
    [InlineData("V100M16", 30, 300)]
    [InlineData("V100M32", 30, 300)]
    [InlineData("P100", 25, 250)]
    [InlineData("T4", 10, 70)]
    [InlineData("A10", 30, 150)]
    [InlineData("G2", 30, 150)]
    [InlineData("G3", 50, 400)]
    [InlineData("A100", 50, 400)]
    [InlineData("t4", 10, 70)]
    public void GpuPowerTable_PwrSpecTableII_Exact(string model, double idle, double max)
    {
        Assert.True(GpuPowerTable.TryGet(model, out var profile));
        Assert.Equal((idle, max), (profile.IdleWatts, profile.MaxWatts));
    }

    [Fact]
    public void CpuProfile_Default_IsXeonE5_2682V4()
    {
        var cpu = PowerModel.Default.DefaultCpu;
        Assert.Equal((15.0, 120.0, 16, 2), (cpu.IdleWattsPerSocket, cpu.ActiveWattsPerSocket, cpu.CoresPerSocket, cpu.ThreadsPerCore));
    }

    [Fact]
    public void ClusterPower_OpenbGpuCluster_MatchesPwrSpecSanityConstants()
    {
        var nodes = OpenbTrace.GpuNodes();
        var profiles = nodes.Select(PowerModel.Default.Resolve).ToList();
        var power = new ClusterPower(new ClusterState(nodes));

        Assert.Equal(1213, nodes.Count);
        Assert.Equal(6212, nodes.Sum(n => n.GpuCount));
        Assert.Equal(3711, profiles.Sum(p => p.Sockets));
        Assert.Equal(174_435, profiles.Sum(p => p.Gpus * p.GpuIdleWatts));
        Assert.Equal(55_665, profiles.Sum(p => p.Sockets * p.CpuIdleWatts));
        Assert.Equal(230_100, power.TotalWatts);
        Assert.Equal((55_665, 174_435), power.Split());
        Assert.Equal(1_028_790, profiles.Sum(p => p.Gpus * p.GpuMaxWatts));
        Assert.Equal(445_320, profiles.Sum(p => p.Sockets * p.CpuActiveWatts));
        Assert.Equal(1_474_110, profiles.Sum(p => p.MaxWatts));
    }

    [Fact]
    public void NodeWatts_WorkedExampleStateBefore_245_285_525()
    {
        var (state, _) = WorkedExample.Cluster();
        var power = new ClusterPower(state);

        Assert.Equal(245, power.NodeWatts(0));
        Assert.Equal(285, power.NodeWatts(1));
        Assert.Equal(525, power.NodeWatts(2));
        Assert.Equal(1055, power.TotalWatts);
    }

    [Theory]
    [InlineData(0, 4000, 1, 60)]     // node-a GPU1: a second T4 turns busy, CPU stays in one socket
    [InlineData(1, 4000, 1, 225)]    // node-b: a socket (+105) and an A10-modelled G2 (+120)
    [InlineData(2, 4000, 0, 105)]    // node-c GPU0: no new GPU, a second socket
    [InlineData(2, 4000, 1, 375)]    // node-c GPU1: the socket and a V100
    [InlineData(0, 8000, 0, 0)]      // §5 CPU-only 8 vCPU task: nothing on node-a
    [InlineData(1, 8000, 0, 105)]    // and one socket on node-b
    public void PlacementDelta_WorkedExample_MatchesSpec(int node, long cpuMilli, int newlyBusyGpus, double watts)
    {
        var (state, _) = WorkedExample.Cluster();

        Assert.Equal(watts, new ClusterPower(state).PlacementDelta(node, cpuMilli, newlyBusyGpus));
    }

    [Fact]
    public void NodeWatts_FollowsAllocationAndRelease()
    {
        var (state, task) = WorkedExample.Cluster();
        var power = new ClusterPower(state);

        state.Allocate(0, task, GpuSet.Empty.With(1));
        Assert.Equal(305, power.NodeWatts(0));
        Assert.Equal(1115, power.TotalWatts);
        state.Release(0, task, GpuSet.Empty.With(1));
        Assert.Equal(1055, power.TotalWatts);
    }

    [Fact]
    public void SetPoweredOn_Off_DrawsStandby()
    {
        var node = new NodeSpec { Name = "n", CpuMilli = 64000, GpuCount = 1, GpuModel = "A100", Power = new NodePowerSpec { StandbyWatts = 7 } };
        var power = new ClusterPower(new ClusterState([node]));

        Assert.Equal(30 + 50, power.TotalWatts);
        power.SetPoweredOn(0, false);
        Assert.Equal(7, power.TotalWatts);
        Assert.False(power.IsPoweredOn(0));
    }

    [Fact]
    public void Resolve_NodeOverrides_WinOverTableAndDefaults()
    {
        var node = new NodeSpec
        {
            Name = "n", CpuMilli = 96000, GpuCount = 4, GpuModel = "H100",
            Power = new NodePowerSpec { CpuSockets = 2, CpuIdleWatts = 40, CpuActiveWatts = 250, GpuIdleWatts = 60, GpuMaxWatts = 650, BaseWatts = 100 },
        };

        var p = PowerModel.Default.Resolve(node);

        Assert.Equal((2, 24, 2), (p.Sockets, p.CoresPerSocket, p.ThreadsPerCore));
        Assert.Equal(100 + (2 * 40) + (4 * 60), p.IdleWatts);
        Assert.Equal(100 + (2 * 250) + (4 * 650), p.MaxWatts);
        // One working core activates one of the two sockets.
        Assert.Equal(100 + 250 + 40 + (4 * 60), p.Watts(96000, 94000, [1000, 1000, 1000, 1000]));
    }

    [Fact]
    public void Watts_DeclaredNodeIdleAndPeak_MapsModelRangeOntoThem()
    {
        var node = new NodeSpec { Name = "n", CpuMilli = 8000, GpuCount = 1, GpuModel = "A100", IdleWatts = 100, PeakWatts = 400 };
        var p = PowerModel.Default.Resolve(node);

        Assert.Equal(100, p.Watts(8000, 8000, [1000]));
        Assert.Equal(400, p.Watts(8000, 0, [0]));
        // GPU busy, CPU idle: the GPU's share (350 of the model's 455 W range) of the declared 300 W range.
        Assert.Equal(100 + (300.0 * 350 / 455), p.Watts(8000, 8000, [500]), 9);
    }

    [Fact]
    public void ActiveSockets_PartlyUsedCoreCountsAsWorking()
    {
        var p = PowerModel.Default.Resolve(new NodeSpec { Name = "n", CpuMilli = 64000 });   // 32 cores, 2 sockets

        Assert.Equal(0, p.ActiveSockets(64000, 64000));
        Assert.Equal(1, p.ActiveSockets(64000, 63500));    // half a vCPU in use: one working core
        Assert.Equal(1, p.ActiveSockets(64000, 32000));    // 16 working cores fill one socket
        Assert.Equal(2, p.ActiveSockets(64000, 31000));
    }
}
