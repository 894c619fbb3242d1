using Lepton.Core.Cluster;
using Lepton.Core.Workloads;
using Lepton.Server.Power;

namespace Lepton.Server.Tests.Power;

public sealed class IdlePowerDecisionTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    private static IdlePowerDecision.NodeFacts Node(string name, NodePowerState power = NodePowerState.On, bool idle = true, int gpus = 0,
        bool mayWake = true) =>
        new(new NodeSpec { Name = name, CpuMilli = 8000, MemoryMiB = 32768, GpuCount = gpus, GpuModel = gpus > 0 ? "A100" : "" },
            power == NodePowerState.On, idle, power, mayWake);

    private static IdlePowerDecision.Demand Demand(long cpuMilli = 4000, int gpus = 0, int replicas = 1) =>
        new(new TaskRequest { Name = "j", CpuMilli = cpuMilli, MemoryMiB = 1024, GpuCount = gpus, GpuMilliPerGpu = gpus > 0 ? 1000 : 0 }, replicas);

    [Fact]
    public void Decide_IdleNode_SwitchedOffOnlyOnceThresholdPassed()
    {
        var decision = new IdlePowerDecision(TimeSpan.FromMinutes(10));
        IdlePowerDecision.NodeFacts[] nodes = [Node("idle"), Node("busy", idle: false)];

        Assert.Empty(decision.Decide(T0, nodes, []).PowerOff);
        Assert.Empty(decision.Decide(T0.AddMinutes(9), nodes, []).PowerOff);
        Assert.Equal(["idle"], decision.Decide(T0.AddMinutes(10), nodes, []).PowerOff);
    }

    [Fact]
    public void Decide_NodeBusyInBetween_IdleClockStartsAgain()
    {
        var decision = new IdlePowerDecision(TimeSpan.FromMinutes(10));
        decision.Decide(T0, [Node("n1")], []);
        decision.Decide(T0.AddMinutes(5), [Node("n1", idle: false)], []);

        Assert.Empty(decision.Decide(T0.AddMinutes(11), [Node("n1")], []).PowerOff);
        Assert.Equal(["n1"], decision.Decide(T0.AddMinutes(21), [Node("n1")], []).PowerOff);
    }

    [Fact]
    public void Decide_QueuedWorkWaitingForRoom_KeepsIdleNodesOnAndWakesEnoughOffNodesThatFit()
    {
        var decision = new IdlePowerDecision(TimeSpan.Zero);
        IdlePowerDecision.NodeFacts[] nodes =
        [
            Node("on"), Node("off-cpu-a", NodePowerState.PoweredOff), Node("off-cpu-b", NodePowerState.PoweredOff),
            Node("off-cpu-c", NodePowerState.PoweredOff), Node("off-gpu", NodePowerState.PoweredOff, gpus: 4),
        ];

        // The GPU job claims the only node with GPUs; three CPU replicas of half a node each need two CPU nodes, not three.
        var (off, wake) = decision.Decide(T0, nodes, [Demand(gpus: 2), Demand(cpuMilli: 4000, replicas: 3)]);

        Assert.Empty(off);
        Assert.Equal(["off-gpu", "off-cpu-a", "off-cpu-b"], wake);
    }

    [Fact]
    public void Decide_NodeAlreadyWaking_CountsAndIsNotWokenAgain()
    {
        var decision = new IdlePowerDecision(TimeSpan.Zero);

        var (_, wake) = decision.Decide(T0, [Node("a", NodePowerState.PoweredOff), Node("b", NodePowerState.Waking)], [Demand()]);

        Assert.Empty(wake);
    }

    [Fact]
    public void Decide_WakeBackingOff_SkipsThatNode()
    {
        var decision = new IdlePowerDecision(TimeSpan.Zero);

        var (_, wake) = decision.Decide(T0, [Node("a", NodePowerState.PoweredOff, mayWake: false), Node("b", NodePowerState.PoweredOff)], [Demand()]);

        Assert.Equal(["b"], wake);
    }

    [Theory]
    [InlineData(4000, 0, 0, 2)]
    [InlineData(16000, 0, 0, 0)]
    [InlineData(1000, 1, 4, 4)]
    [InlineData(1000, 1, 0, 0)]
    [InlineData(0, 3, 4, 1)]
    public void ReplicasThatFit_EmptyNode_CountsWhatFits(long cpuMilli, int gpus, int nodeGpus, int expected)
    {
        var node = new NodeSpec { Name = "n", CpuMilli = 8000, MemoryMiB = 32768, GpuCount = nodeGpus, GpuModel = "A100" };
        var request = new TaskRequest { Name = "t", CpuMilli = cpuMilli, MemoryMiB = 100, GpuCount = gpus, GpuMilliPerGpu = gpus > 0 ? 1000 : 0 };

        Assert.Equal(expected, IdlePowerDecision.ReplicasThatFit(node, request));
    }
}
