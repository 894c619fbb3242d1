using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Workloads;

namespace Lepton.Core.Tests.Placement;

/// <summary>The scenarios of the original design notes (issue 2 §7) through the embeddable API, plus gangs and ordering.</summary>
public sealed class SchedulerTests
{
    private const long Core = 1000;
    private const long GiB = 1024;

    [Theory]
    [InlineData("bestfit")]
    [InlineData("spread")]
    [InlineData("firstfit")]
    public void Schedule_ThreeTasksOnTwoServers_AllPlacedWithinCapacity(string policy)
    {
        var scheduler = new Scheduler(policy)
            .AddNode(new NodeSpec { Name = "s6", CpuMilli = 6 * Core, MemoryMiB = 64 * GiB })
            .AddNode(new NodeSpec { Name = "s8", CpuMilli = 8 * Core, MemoryMiB = 64 * GiB })
            .AddTask(Cpu("t2", 2)).AddTask(Cpu("t3", 3)).AddTask(Cpu("t4", 4));

        var result = scheduler.Schedule();

        Assert.Equal(3, result.Summary.Placed);
        Assert.True(result.Placements.Where(p => p.Node == "s6").Sum(p => p.Task.CpuMilli) <= 6 * Core);
        Assert.True(result.Placements.Where(p => p.Node == "s8").Sum(p => p.Task.CpuMilli) <= 8 * Core);
        Assert.Equal(100.0 * 9 / 14, result.Summary.CpuAllocatedPct, 9);
    }

    [Fact]
    public void Schedule_FiveUnitTasksSpread_AtMostTwoPerNodeOnAllThree()
    {
        var result = FiveOnThree("spread");

        Assert.Equal(5, result.Summary.Placed);
        var perNode = result.Placements.GroupBy(p => p.Node).Select(g => g.Count()).ToList();
        Assert.Equal(3, perNode.Count);
        Assert.All(perNode, c => Assert.True(c <= 2));
    }

    [Fact]
    public void Schedule_FiveUnitTasksBestFit_FillsNodeBeforeOpeningAnother()
    {
        var result = FiveOnThree("bestfit");

        Assert.Equal(5, result.Summary.Placed);
        var nodes = result.Placements.Select(p => p.Node).ToList();
        Assert.Equal(nodes[0], nodes[1]);
        Assert.Equal(nodes[2], nodes[3]);
        Assert.NotEqual(nodes[0], nodes[2]);
        Assert.NotEqual(nodes[4], nodes[0]);
        Assert.NotEqual(nodes[4], nodes[2]);
    }

    [Theory]
    [InlineData("bestfit")]
    [InlineData("spread")]
    public void Schedule_NetworkBound_MostImportantFirstRestPendingOnNetwork(string policy)
    {
        var scheduler = new Scheduler(policy)
            .AddNode(new NodeSpec { Name = "big", CpuMilli = 100 * Core, MemoryMiB = 1024 * GiB, NetworkMbps = 10000 })
            .AddTask(Net("a", 10, 50, 2000, 1)).AddTask(Net("b", 20, 100, 4000, 2))
            .AddTask(Net("c", 30, 150, 6000, 3)).AddTask(Net("d", 40, 200, 8000, 4));

        var result = scheduler.Schedule();

        Assert.Equal(["a", "d"], result.Placements.Where(p => p.IsPlaced).Select(p => p.Task.Name).Order());
        Assert.True(result.Placements.Where(p => p.IsPlaced).Sum(p => p.Task.NetworkMbps) <= 10000);
        var pending = result.Placements.Where(p => !p.IsPlaced).ToList();
        Assert.Equal(["b", "c"], pending.Select(p => p.Task.Name));
        Assert.All(pending, p => Assert.Equal("InsufficientNetwork", p.Reason!.Code));
        Assert.Equal("network: 0 of 1 nodes have 6000 Mbps free", pending[1].Reason!.Message);
    }

    [Theory]
    [InlineData("bestfit")]
    [InlineData("spread")]
    [InlineData("firstfit")]
    [InlineData("fgd")]
    public void Schedule_CpuGpuFpgaNodes_EachTaskLandsWhereItsHardwareIs(string policy)
    {
        var scheduler = new Scheduler(policy)
            .AddNode(new NodeSpec { Name = "gpu-node", CpuMilli = 32 * Core, MemoryMiB = 128 * GiB, GpuCount = 4, GpuModel = "A100" })
            .AddNode(new NodeSpec { Name = "cpu-node", CpuMilli = 32 * Core, MemoryMiB = 128 * GiB })
            .AddNode(new NodeSpec { Name = "fpga-node", CpuMilli = 32 * Core, MemoryMiB = 128 * GiB, Fpga = 2 })
            .AddTask(new TaskRequest { Name = "cpu-task", CpuMilli = 4 * Core, MemoryMiB = 8 * GiB })
            .AddTask(new TaskRequest { Name = "gpu-task", CpuMilli = 4 * Core, MemoryMiB = 8 * GiB, GpuCount = 1, GpuMilliPerGpu = 1000 })
            .AddTask(new TaskRequest { Name = "fpga-task", CpuMilli = 4 * Core, MemoryMiB = 8 * GiB, Fpga = 1 });

        var result = scheduler.Schedule();

        Assert.Equal(["cpu-node", "gpu-node", "fpga-node"], result.Placements.Select(p => p.Node));
        Assert.Equal([0], result.Placements[1].Gpus);
    }

    [Fact]
    public void Schedule_GangDoesNotFit_NoReplicaPlacedAndReasonsNameGang()
    {
        var scheduler = new Scheduler()
            .AddNode(new NodeSpec { Name = "n1", CpuMilli = 8 * Core, MemoryMiB = 64 * GiB, GpuCount = 2, GpuModel = "A100" })
            .AddNode(new NodeSpec { Name = "n2", CpuMilli = 8 * Core, MemoryMiB = 64 * GiB, GpuCount = 2, GpuModel = "A100" })
            .AddTask(Cpu("solo", 1));
        for (var i = 0; i < 3; i++)
        {
            scheduler.AddTask(new TaskRequest { Name = $"r{i}", CpuMilli = Core, GpuCount = 2, GpuMilliPerGpu = 1000, Gang = "train" });
        }

        var result = scheduler.Schedule();

        Assert.Equal(["solo"], result.Placements.Where(p => p.IsPlaced).Select(p => p.Task.Name));
        Assert.All(result.Placements.Skip(1), p => Assert.Contains("gang 'train'", p.Reason!.Message));
        Assert.Equal(0, result.Summary.GpuAllocatedPct);
    }

    [Fact]
    public void Schedule_GangFits_AllReplicasPlaced()
    {
        var scheduler = new Scheduler()
            .AddNode(new NodeSpec { Name = "n1", CpuMilli = 8 * Core, MemoryMiB = 64 * GiB, GpuCount = 2, GpuModel = "A100" })
            .AddNode(new NodeSpec { Name = "n2", CpuMilli = 8 * Core, MemoryMiB = 64 * GiB, GpuCount = 2, GpuModel = "A100" });
        for (var i = 0; i < 2; i++)
        {
            scheduler.AddTask(new TaskRequest { Name = $"r{i}", CpuMilli = Core, GpuCount = 2, GpuMilliPerGpu = 1000, Gang = "train" });
        }

        var result = scheduler.Schedule();

        Assert.Equal(2, result.Summary.Placed);
        Assert.NotEqual(result.Placements[0].Node, result.Placements[1].Node);
        Assert.Equal(100, result.Summary.GpuAllocatedPct);
    }

    [Fact]
    public void Schedule_MixedPriorities_HigherFirstStableWithinPriority()
    {
        var scheduler = new Scheduler("firstfit")
            .AddNode(new NodeSpec { Name = "n", CpuMilli = 3 * Core, MemoryMiB = 8 * GiB })
            .AddTask(Cpu("low-1", 1) with { Priority = 1 })
            .AddTask(Cpu("high-1", 1) with { Priority = 9 })
            .AddTask(Cpu("low-2", 1) with { Priority = 1 })
            .AddTask(Cpu("high-2", 1) with { Priority = 9 });

        var result = scheduler.Schedule();

        Assert.Equal(["low-1", "high-1", "low-2", "high-2"], result.Placements.Select(p => p.Task.Name));
        Assert.Equal([true, true, false, true], result.Placements.Select(p => p.IsPlaced));
    }

    [Fact]
    public void Schedule_NoNodes_TaskPendingWithReason()
    {
        var result = new Scheduler().AddTask(Cpu("t", 1)).Schedule();

        Assert.Equal("NoNodes", Assert.Single(result.Placements).Reason!.Code);
        Assert.Equal(0, result.Summary.GpuAllocatedPct);
    }

    [Theory]
    [InlineData("bestfit")]
    [InlineData("fgd")]
    [InlineData("gpupacking")]
    public void Schedule_TwoSharesOfDistinctGpus_UsesTwoGpus(string policy)
    {
        var result = new Scheduler(policy)
            .AddNode(new NodeSpec { Name = "n", CpuMilli = 8 * Core, MemoryMiB = 8 * GiB, GpuCount = 2, GpuModel = "T4" })
            .AddTask(new TaskRequest { Name = "a", CpuMilli = Core, GpuCount = 1, GpuMilliPerGpu = 700 })
            .AddTask(new TaskRequest { Name = "b", CpuMilli = Core, GpuCount = 2, GpuMilliPerGpu = 300 })
            .AddTask(new TaskRequest { Name = "c", CpuMilli = Core, GpuCount = 2, GpuMilliPerGpu = 300 })
            .Schedule();

        Assert.Equal([true, true, false], result.Placements.Select(p => p.IsPlaced));
        Assert.Equal([0, 1], result.Placements[1].Gpus);
    }

    [Fact]
    public void Constructor_UnknownPolicy_MessageListsValidNames()
    {
        var e = Assert.Throws<UnknownPolicyException>(() => new Scheduler("nope"));

        Assert.Contains("bestfit", e.Message);
        Assert.Contains("fgd", e.Message);
    }

    private static PlacementResult FiveOnThree(string policy)
    {
        var scheduler = new Scheduler(policy);
        for (var i = 0; i < 3; i++)
        {
            scheduler.AddNode(new NodeSpec { Name = $"n{i}", CpuMilli = 2 * Core, MemoryMiB = 4 * GiB });
        }

        for (var i = 0; i < 5; i++)
        {
            scheduler.AddTask(Cpu($"t{i}", 1));
        }

        return scheduler.Schedule();
    }

    private static TaskRequest Cpu(string name, long cores) => new() { Name = name, CpuMilli = cores * Core, MemoryMiB = GiB };

    private static TaskRequest Net(string name, long cores, long memGiB, long mbps, int priority) =>
        new() { Name = name, CpuMilli = cores * Core, MemoryMiB = memGiB * GiB, NetworkMbps = mbps, Priority = priority };
}
