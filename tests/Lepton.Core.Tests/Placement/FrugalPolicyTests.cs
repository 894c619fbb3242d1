using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Placement.Plugins.Power;
using Lepton.Core.Workloads;

namespace Lepton.Core.Tests.Placement;

public sealed class FrugalPolicyTests
{
    private static readonly TaskRequest GpuTask = new() { Name = "g", CpuMilli = 12000, GpuCount = 1, GpuMilliPerGpu = 1000 };
    private static readonly TaskRequest CpuTask = new() { Name = "c", CpuMilli = 8000 };

    [Theory]
    [InlineData(0.0, 100)]
    [InlineData(0.4, 100)]
    [InlineData(0.55, 51)]
    [InlineData(0.7, 2)]
    [InlineData(0.95, 2)]
    public void Slack_DefaultRule_PowerAloneUntil40PercentThenFgdBy70(double used, double expected) =>
        Assert.Equal(expected, FrugalRule.Default.Slack(used), 6);

    [Theory]
    [InlineData(96_000, 2000, 20_000, 56_000)]
    [InlineData(120_000, 8000, 20_000, -40_000)]
    public void CpuSurplus_CpuLeftMinusWhatFreeGpusNeed(long cpuLeft, long gpuFree, double perGpu, double expected) =>
        Assert.Equal(expected, FrugalRule.CpuSurplus(cpuLeft, gpuFree, perGpu));

    [Fact]
    public void TryPlace_LightLoad_GpuTaskGoesToCheapestGpuNotFirstName()
    {
        // V100 +270 W per busy GPU, T4 +60 W: at 0 % allocated power decides alone.
        var engine = Engine(
            new NodeSpec { Name = "a-v100", CpuMilli = 48000, MemoryMiB = 262144, GpuCount = 4, GpuModel = "V100M32" },
            new NodeSpec { Name = "b-t4", CpuMilli = 104000, MemoryMiB = 262144, GpuCount = 2, GpuModel = "T4" });

        Assert.True(engine.TryPlace(GpuTask, out var placement));
        Assert.Equal("b-t4", engine.Cluster.NodeAt(placement.Node).Name);
    }

    [Fact]
    public void TryPlace_CpuOnlyTask_GoesWhereCpuIsSpareNotOntoIdleGpuNode()
    {
        // Target: 8 + 12 vCPU per GPU = 20 vCPU per GPU. G3 surplus 120 − 8·20 = −40 vCPU, T4 96 − 2·20 = 56 vCPU: the G3 node is
        // outside the 70-vCPU band, so its CPU stays for its GPUs although both nodes add one socket (+105 W).
        var engine = Engine(
            new NodeSpec { Name = "a-g3", CpuMilli = 128000, MemoryMiB = 786432, GpuCount = 8, GpuModel = "G3" },
            new NodeSpec { Name = "b-t4", CpuMilli = 104000, MemoryMiB = 262144, GpuCount = 2, GpuModel = "T4" });

        Assert.True(engine.TryPlace(CpuTask, out var placement));
        Assert.Equal("b-t4", engine.Cluster.NodeAt(placement.Node).Name);
    }

    [Theory]
    [InlineData("frugal", true)]
    [InlineData("FRUGAL:0.3:0.6", true)]
    [InlineData("frugal:0.3:0.6:5", true)]
    [InlineData("frugal:0.8:0.2", false)]
    [InlineData("frugal:0.3", false)]
    [InlineData("frugal:0.3:0.6:x", false)]
    public void TryGet_FrugalNames(string name, bool known)
    {
        Assert.Equal(known, PolicyRegistry.TryGet(name, out var policy));
        if (known)
        {
            Assert.True(policy!.TieBreakByNodeName);
            Assert.Equal(GpuSelectionRule.FragmentationGradient, policy.GpuSelection);
        }
    }

    [Fact]
    public void TryPlace_NodeClasses_SameChoicesAsEveryNodeScanned()
    {
        var nodes = SyntheticWorkload.Nodes(60);
        var tasks = SyntheticWorkload.Tasks(400).Select(t => t with { RdmaMilli = 0 }).ToArray();
        var options = new PlacementOptions { TargetWorkload = TargetWorkload.FromTasks(tasks) };
        var engine = new PlacementEngine(new ClusterState(nodes), PolicyRegistry.Get("frugal"), options);
        var reference = new PlacementEngine(new ClusterState(nodes), PolicyRegistry.Get("frugal"), options);
        reference.DisableNodeClasses();

        foreach (var task in tasks)
        {
            var placed = engine.TryPlace(task, out var p);
            Assert.Equal(placed, reference.TryPlace(task, out var q));
            Assert.Equal(q, p);
            if (placed)
            {
                engine.Commit(task, p);
                reference.Commit(task, q);
            }
        }
    }

    [Fact]
    public void TryPlaceCommit_Frugal_AllocatesNothing()
    {
        var nodes = SyntheticWorkload.Nodes(200);
        var tasks = SyntheticWorkload.Tasks(600).Select(t => t with { RdmaMilli = 0 }).ToArray();
        var engine = new PlacementEngine(new ClusterState(nodes), PolicyRegistry.Get("frugal"),
            new PlacementOptions { TargetWorkload = TargetWorkload.FromTasks(tasks) });
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
            if (engine.TryPlace(tasks[i], out var p))
            {
                engine.Commit(tasks[i], p);
            }
        }
    }

    private static PlacementEngine Engine(params NodeSpec[] nodes) =>
        new(new ClusterState(nodes), PolicyRegistry.Get("frugal"), new PlacementOptions
        {
            NodeRanks = [.. Enumerable.Range(0, nodes.Length)],
            TargetWorkload = TargetWorkload.FromTasks([GpuTask, CpuTask]),
        });
}
