using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Power;
using Lepton.Core.Workloads;

namespace Lepton.Core.Tests.Power;

public sealed class PowerDownControllerTests
{
    private static readonly PowerDownOptions Options = new() { IdleThreshold = TimeSpan.FromMinutes(10), WakeDelay = TimeSpan.FromMinutes(3) };

    private static ClusterState Cluster(int nodes) =>
        new([.. Enumerable.Range(0, nodes).Select(i => new NodeSpec { Name = $"n{i}", CpuMilli = 8000, MemoryMiB = 32768, GpuCount = 1, GpuModel = "T4" })]);

    private static TaskRequest Task(string name) => new() { Name = name, CpuMilli = 8000, MemoryMiB = 1024, GpuCount = 1, GpuMilliPerGpu = 1000 };

    [Fact]
    public void Decide_IdlePastThreshold_PowersOffAndTakesNodeOutOfPlacement()
    {
        var cluster = Cluster(2);
        cluster.Allocate(1, Task("busy"), GpuSet.Empty.With(0));
        var controller = new PowerDownController(cluster, Options, PolicyRegistry.Get("bestfit"));

        var first = controller.Decide(TimeSpan.Zero, []);
        var later = controller.Decide(TimeSpan.FromMinutes(10), []);

        Assert.Empty(first.PowerOff);
        Assert.Equal(TimeSpan.FromMinutes(10), first.NextDecisionAt);
        Assert.Equal([0], later.PowerOff);
        Assert.Equal(NodePowerState.Off, controller.StateOf(0));
        Assert.Equal(NodeState.Down, cluster.StateOf(0));
        Assert.Equal(NodePowerState.On, controller.StateOf(1));
    }

    [Fact]
    public void Decide_WaitingJobNeedsOffNode_WakesItReadyAfterWakeDelay()
    {
        var cluster = Cluster(3);
        var controller = new PowerDownController(cluster, Options, PolicyRegistry.Get("bestfit"));
        controller.Decide(TimeSpan.Zero, []);
        controller.Decide(TimeSpan.FromMinutes(10), []);
        Assert.Equal(3, controller.Count(NodePowerState.Off));

        var wake = controller.Decide(TimeSpan.FromMinutes(20), [[Task("a")], [Task("b")]]);

        Assert.Equal(2, wake.Wake.Count);
        Assert.Equal(TimeSpan.FromMinutes(23), wake.NextDecisionAt);
        Assert.All(wake.Wake, n => Assert.Equal(NodeState.Down, cluster.StateOf(n)));
        Assert.Empty(controller.CompleteWakes(TimeSpan.FromMinutes(22)));
        Assert.Equal(wake.Wake.Order(), controller.CompleteWakes(TimeSpan.FromMinutes(23)).Order());
        Assert.All(wake.Wake, n => Assert.Equal(NodeState.Ready, cluster.StateOf(n)));
        Assert.Equal(0, cluster.TotalAllocated.GpuMilli);   // the what-if placements were released
    }

    [Fact]
    public void Decide_GangNeedsTwoOffNodes_WakesBoth()
    {
        var cluster = Cluster(2);
        var controller = new PowerDownController(cluster, Options with { IdleThreshold = TimeSpan.Zero }, PolicyRegistry.Get("bestfit"));
        controller.Decide(TimeSpan.Zero, []);

        var wake = controller.Decide(TimeSpan.FromMinutes(1), [[Task("g-0") with { Gang = "g" }, Task("g-1") with { Gang = "g" }]]);

        Assert.Equal([0, 1], wake.Wake.Order());
    }

    [Fact]
    public void Decide_JobTooBigForAnyNode_WakesNothing()
    {
        var cluster = Cluster(2);
        var controller = new PowerDownController(cluster, Options with { IdleThreshold = TimeSpan.Zero }, PolicyRegistry.Get("bestfit"));
        controller.Decide(TimeSpan.Zero, []);

        var wake = controller.Decide(TimeSpan.FromMinutes(1), [[Task("huge") with { GpuCount = 4 }]]);

        Assert.Empty(wake.Wake);
    }

    [Fact]
    public void Decide_MinNodesOn_KeepsThatManyOn()
    {
        var cluster = Cluster(4);
        var controller = new PowerDownController(cluster, Options with { MinNodesOn = 1 }, PolicyRegistry.Get("bestfit"));
        controller.Decide(TimeSpan.Zero, []);

        var off = controller.Decide(TimeSpan.FromHours(1), []);

        Assert.Equal(3, off.PowerOff.Count);
        Assert.Equal(1, controller.Count(NodePowerState.On));
    }

    [Fact]
    public void Decide_JobFitsANodeAlreadyWaking_WakesNoOtherNode()
    {
        // bestfit alone would put "small" on the 1-GPU node (the tighter fit); the 4-GPU node is already waking and has room.
        var cluster = new ClusterState([
            new NodeSpec { Name = "big", CpuMilli = 32000, MemoryMiB = 32768, GpuCount = 4, GpuModel = "T4" },
            new NodeSpec { Name = "small", CpuMilli = 8000, MemoryMiB = 32768, GpuCount = 1, GpuModel = "T4" }]);
        var controller = new PowerDownController(cluster, Options with { IdleThreshold = TimeSpan.Zero }, PolicyRegistry.Get("bestfit"));
        controller.Decide(TimeSpan.Zero, []);
        var first = controller.Decide(TimeSpan.FromMinutes(1), [[Task("two") with { GpuCount = 2 }]]);

        var second = controller.Decide(TimeSpan.FromMinutes(2), [[Task("two") with { GpuCount = 2 }], [Task("one")]]);

        Assert.Equal([0], first.Wake);
        Assert.Empty(second.Wake);
        Assert.Equal(NodePowerState.Off, controller.StateOf(1));
    }

    [Fact]
    public void Restore_OffNodeBackingOff_IsNotWokenAndAnotherIs()
    {
        // The live server rebuilds the controller each round from the states it keeps; a failed wake backs off.
        var cluster = Cluster(2);
        var controller = new PowerDownController(cluster, Options, PolicyRegistry.Get("bestfit"));
        controller.Restore(0, NodePowerState.Off, mayWake: false);
        controller.Restore(1, NodePowerState.Off);

        var decision = controller.Decide(TimeSpan.FromMinutes(1), [[Task("a")]]);

        Assert.Equal([1], decision.Wake);
        Assert.Equal(NodeState.Down, cluster.StateOf(0));
    }

    [Fact]
    public void Restore_IdleSinceGiven_PowersOffOnceThresholdPassedAndReadsTheClockBack()
    {
        var cluster = Cluster(1);
        var controller = new PowerDownController(cluster, Options, PolicyRegistry.Get("bestfit"));
        controller.Restore(0, NodePowerState.On, idleSince: TimeSpan.FromMinutes(5));

        var early = controller.Decide(TimeSpan.FromMinutes(14), []);

        Assert.Empty(early.PowerOff);
        Assert.Equal(TimeSpan.FromMinutes(5), controller.IdleSince(0));
        Assert.Equal([0], controller.Decide(TimeSpan.FromMinutes(15), []).PowerOff);
        Assert.Null(controller.IdleSince(0));
    }
}
