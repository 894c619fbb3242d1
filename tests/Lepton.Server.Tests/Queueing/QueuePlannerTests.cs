using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Queueing;
using Lepton.Core.Resources;
using Lepton.Core.Workloads;

namespace Lepton.Server.Tests.Queueing;

public sealed class QueuePlannerTests
{
    private static readonly QueuePlanner Planner = new(PolicyRegistry.Get("bestfit"), new PlacementOptions());

    private static NodeSpec Node(string name, int gpus = 4, long cpu = 64_000) =>
        new() { Name = name, CpuMilli = cpu, MemoryMiB = 256_000, GpuCount = gpus, GpuModel = gpus > 0 ? "A100" : "" };

    private static TaskRequest Request(int gpus, long cpu = 1000, int priority = 5, bool preemptible = false) =>
        new() { Name = "t", CpuMilli = cpu, MemoryMiB = 1024, GpuCount = gpus, GpuMilliPerGpu = gpus > 0 ? 1000 : 0, Priority = priority, Preemptible = preemptible };

    private static QueuedJob Pending(long id, int gpus, int priority = 5, string tenant = "a", int replicas = 1) =>
        new(id, tenant, priority, id, [.. Enumerable.Repeat(Request(gpus, priority: priority), replicas)]);

    private static BoundJob Bound(long id, int node, int[] gpus, int priority, bool preemptible, string tenant = "a") =>
        new(id, tenant, priority, preemptible, id, [new BoundTask(Request(gpus.Length, priority: priority, preemptible: preemptible), new NodePlacement(node, GpuSet.Of(gpus)))]);

    private static QueueSnapshot Snapshot(NodeSpec[] nodes, BoundJob[] bound, QueuedJob[] pending, Dictionary<string, ResourceVector>? quotas = null) =>
        new(nodes, bound, pending, quotas ?? []);

    public static TheoryData<string> Policies => [.. PolicyRegistry.All.Select(p => p.Name)];

    [Theory]
    [MemberData(nameof(Policies))]
    public void Plan_EveryPolicyWithDefaultOptions_BindsJobsThatFit(string policy)
    {
        // A server started with --policy fgd configures no target workload; the planner must derive one from the queue.
        var planner = new QueuePlanner(PolicyRegistry.Get(policy), new PlacementOptions());
        var plan = planner.Plan(Snapshot([Node("n1", gpus: 4), Node("n2", gpus: 0)], [], [Pending(1, 2), Pending(2, 0), Pending(3, 1, replicas: 2)]));
        Assert.Equal([1L, 2L, 3L], plan.Bindings.Select(b => b.JobId).Order().ToArray());
        Assert.Empty(plan.Waiting);
    }

    [Fact]
    public void Plan_HigherPriorityFirstThenFifo()
    {
        var plan = Planner.Plan(Snapshot([Node("n1", gpus: 1)], [], [Pending(1, 1, priority: 5), Pending(2, 1, priority: 7), Pending(3, 1, priority: 7)]));
        Assert.Equal(2, Assert.Single(plan.Bindings).JobId);
        Assert.Equal(QueueReasonCodes.Unschedulable, plan.Waiting[1].Code);
        Assert.Equal(QueueReasonCodes.Unschedulable, plan.Waiting[3].Code);
    }

    [Fact]
    public void Plan_LessImportantJobThatFits_IsBackfilledPastOneThatDoesNot()
    {
        var plan = Planner.Plan(Snapshot([Node("n1", gpus: 2)], [], [Pending(1, 4, priority: 9), Pending(2, 1, priority: 1)]));
        Assert.Equal(2, Assert.Single(plan.Bindings).JobId);
        Assert.Equal(QueueReasonCodes.NeverFits, plan.Waiting[1].Code);
    }

    [Fact]
    public void Plan_QuotaIsHardCapPerTenant()
    {
        var quotas = new Dictionary<string, ResourceVector> { ["a"] = new(100_000, 100_000, 2000, 0, 0) };
        var plan = Planner.Plan(Snapshot([Node("n1", gpus: 8)], [Bound(10, 0, [0], 5, false)], [Pending(1, 2), Pending(2, 2, tenant: "b"), Pending(3, 1)], quotas));
        Assert.Equal([2L, 3L], plan.Bindings.Select(b => b.JobId).Order().ToArray());
        Assert.Equal(QueueReasonCodes.QuotaExceeded, plan.Waiting[1].Code);
    }

    [Fact]
    public void Plan_QuotaCountsJobsBoundEarlierInTheSameCycle()
    {
        var quotas = new Dictionary<string, ResourceVector> { ["a"] = new(100_000, 100_000, 2000, 0, 0) };
        var plan = Planner.Plan(Snapshot([Node("n1", gpus: 8)], [], [Pending(1, 2), Pending(2, 1)], quotas));
        Assert.Equal(1, Assert.Single(plan.Bindings).JobId);
        Assert.Equal(QueueReasonCodes.QuotaExceeded, plan.Waiting[2].Code);
    }

    [Fact]
    public void Plan_Gang_AllOrNothing()
    {
        NodeSpec[] nodes = [Node("n1", gpus: 1), Node("n2", gpus: 1)];
        var tooBig = Planner.Plan(Snapshot(nodes, [], [Pending(1, 1, replicas: 3)]));
        Assert.Empty(tooBig.Bindings);
        Assert.Equal(QueueReasonCodes.NeverFits, tooBig.Waiting[1].Code);

        var blocked = Planner.Plan(Snapshot(nodes, [Bound(9, 0, [0], 5, false)], [Pending(1, 1, replicas: 2)]));
        Assert.Empty(blocked.Bindings);
        Assert.Equal(QueueReasonCodes.GangIncomplete, blocked.Waiting[1].Code);

        var fits = Planner.Plan(Snapshot(nodes, [], [Pending(1, 1, replicas: 2)]));
        var binding = Assert.Single(fits.Bindings);
        Assert.Equal([0, 1], binding.Placements.Select(p => p.Node).Order().ToArray());
    }

    [Fact]
    public void Plan_Preemption_EvictsOnlyAsManyLowerPriorityJobsAsNeeded()
    {
        BoundJob[] bound = [Bound(1, 0, [0], 1, true), Bound(2, 0, [1], 1, true), Bound(3, 0, [2], 1, true), Bound(4, 0, [3], 1, true)];
        var plan = Planner.Plan(Snapshot([Node("n1", gpus: 4)], bound, [Pending(10, 2, priority: 9)]));
        Assert.Equal(10, Assert.Single(plan.Bindings).JobId);
        Assert.Equal(2, plan.Evictions.Count);
        Assert.All(plan.Evictions, e => Assert.Equal(10, e.ForJobId));
        Assert.All(plan.Evictions, e => Assert.Equal(QueueReasonCodes.Preempted, e.Reason.Code));
        // The freed GPUs are the ones the new job got.
        var freed = plan.Evictions.SelectMany(e => bound.Single(b => b.Id == e.JobId).Tasks[0].Placement.Gpus.ToArray()).Order();
        Assert.Equal(freed, plan.Bindings[0].Placements[0].Gpus.ToArray().Order());
    }

    [Fact]
    public void Plan_Preemption_SparesVictimsThatTurnOutUnneeded()
    {
        // Latest-first release frees job 2 (1 GPU) first, then job 1 (2 GPUs); job 1 alone is enough, so job 2 is spared.
        BoundJob[] bound = [new(1, "a", 1, true, 1, [new BoundTask(Request(2, preemptible: true), new NodePlacement(0, GpuSet.Of(0, 1)))]),
            Bound(2, 0, [2], 1, true)];
        var plan = Planner.Plan(Snapshot([Node("n1", gpus: 3)], bound, [Pending(10, 2, priority: 9)]));
        Assert.Equal(1, Assert.Single(plan.Evictions).JobId);
    }

    [Fact]
    public void Plan_Preemption_PrefersLeastImportantVictims()
    {
        BoundJob[] bound = [Bound(1, 0, [0], 3, true), Bound(2, 0, [1], 1, true)];
        var plan = Planner.Plan(Snapshot([Node("n1", gpus: 2)], bound, [Pending(10, 1, priority: 9)]));
        Assert.Equal(2, Assert.Single(plan.Evictions).JobId);
    }

    [Theory]
    [InlineData(1, false, 9)] // not preemptible
    [InlineData(9, true, 9)]  // equal priority
    [InlineData(9, true, 5)]  // more important
    public void Plan_Preemption_NeverEvictsNonPreemptibleOrNotLessImportant(int victimPriority, bool preemptible, int jobPriority)
    {
        var plan = Planner.Plan(Snapshot([Node("n1", gpus: 1)], [Bound(1, 0, [0], victimPriority, preemptible)], [Pending(10, 1, priority: jobPriority)]));
        Assert.Empty(plan.Evictions);
        Assert.Empty(plan.Bindings);
        Assert.Equal(QueueReasonCodes.Unschedulable, plan.Waiting[10].Code);
    }

    [Fact]
    public void Plan_EvictedJobRequeued_CannotEvictItsEvictorBack()
    {
        var first = Planner.Plan(Snapshot([Node("n1", gpus: 1)], [Bound(1, 0, [0], 2, true)], [Pending(10, 1, priority: 8)]));
        Assert.Equal(1, Assert.Single(first.Evictions).JobId);
        var placed = first.Bindings[0].Placements[0];

        var evictor = new BoundJob(10, "a", 8, true, 10, [new BoundTask(Request(1, priority: 8, preemptible: true), placed)]);
        var second = Planner.Plan(Snapshot([Node("n1", gpus: 1)], [evictor], [Pending(1, 1, priority: 2)]));
        Assert.Empty(second.Evictions);
        Assert.Empty(second.Bindings);
    }

    [Fact]
    public void Plan_NoReadyNode_EveryJobSaysNoNodes()
    {
        var plan = Planner.Plan(Snapshot([Node("n1") with { State = NodeState.Down }], [], [Pending(1, 1), Pending(2, 0)]));
        Assert.All(plan.Waiting.Values, r => Assert.Equal(QueueReasonCodes.NoNodes, r.Code));
        Assert.Equal(2, plan.Waiting.Count);
    }

    [Fact]
    public void Plan_DrainingNode_GetsNoNewWork()
    {
        var plan = Planner.Plan(Snapshot([Node("n1") with { State = NodeState.Draining }, Node("n2")], [], [Pending(1, 1)]));
        Assert.Equal(1, Assert.Single(Assert.Single(plan.Bindings).Placements).Node);
    }

    [Fact]
    public void Plan_EveryPendingJobNotBound_HasAReason()
    {
        var pending = Enumerable.Range(1, 20).Select(i => Pending(i, i % 3, priority: 1 + (i % 9))).ToArray();
        var plan = Planner.Plan(Snapshot([Node("n1", gpus: 4), Node("n2", gpus: 2)], [], pending));
        var bound = plan.Bindings.Select(b => b.JobId).ToHashSet();
        Assert.All(pending, p => Assert.True(bound.Contains(p.Id) ^ plan.Waiting.ContainsKey(p.Id)));
        Assert.All(plan.Waiting.Values, r => Assert.False(string.IsNullOrWhiteSpace(r.Message)));
    }
}
