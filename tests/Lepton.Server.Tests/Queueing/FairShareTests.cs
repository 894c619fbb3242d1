using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Queueing;
using Lepton.Core.Resources;
using Lepton.Core.Workloads;

namespace Lepton.Server.Tests.Queueing;

/// <summary>The planner's fair-share rules: borrowing, reclaim, DRF, aging, and seeded random property checks.</summary>
public sealed class FairShareTests
{
    private static readonly TimeSpan Aging = TimeSpan.FromMinutes(10);

    private static NodeSpec Node(string name, int gpus = 4) =>
        new() { Name = name, CpuMilli = 64_000, MemoryMiB = 256_000, GpuCount = gpus, GpuModel = "A100" };

    private static TaskRequest Request(int gpus, int priority = 5, bool preemptible = true) =>
        new() { Name = "t", CpuMilli = 100, MemoryMiB = 64, GpuCount = gpus, GpuMilliPerGpu = 1000, Priority = priority, Preemptible = preemptible };

    private static QueuedJob Pending(long id, string tenant, int gpus = 1, int priority = 5, TimeSpan waited = default) =>
        new(id, tenant, priority, id, [Request(gpus, priority)], Waited: waited);

    private static BoundJob Bound(long id, string tenant, int node, int gpu, int priority = 5, bool preemptible = true, int runningMinutes = 60) =>
        new(id, tenant, priority, preemptible, id, [new BoundTask(Request(1, priority, preemptible), new NodePlacement(node, GpuSet.Of([gpu])))],
            Running: TimeSpan.FromMinutes(runningMinutes));

    private static ResourceVector Gpus(int n) => new(0, 0, n * 1000L, 0, 0);

    private static FairSharePolicy Policy(params (string Tenant, int Guarantee, int? Borrow, double Weight)[] tenants) =>
        new(tenants.ToDictionary(t => t.Tenant, t => new TenantShare(Gpus(t.Guarantee), t.Borrow is { } b ? Gpus(b) : null, t.Weight)), Aging);

    private static Plan Plan(NodeSpec[] nodes, BoundJob[] bound, QueuedJob[] pending, FairSharePolicy fair) =>
        new QueuePlanner(PolicyRegistry.Get("bestfit"), new PlacementOptions()).Plan(new QueueSnapshot(nodes, bound, pending, new Dictionary<string, ResourceVector>(), fair));

    [Fact]
    public void Plan_IdleCapacity_IsBorrowedBeyondTheGuarantee()
    {
        var plan = Plan([Node("n1")], [], [Pending(1, "a"), Pending(2, "a"), Pending(3, "a"), Pending(4, "a")], Policy(("a", 2, null, 1), ("b", 2, null, 1)));
        Assert.Equal(4, plan.Bindings.Count);
    }

    [Fact]
    public void Plan_BorrowingLimit_CapsWhatATenantHolds()
    {
        var plan = Plan([Node("n1")], [], [Pending(1, "a"), Pending(2, "a"), Pending(3, "a"), Pending(4, "a")], Policy(("a", 2, 1, 1), ("b", 2, null, 1)));
        Assert.Equal(3, plan.Bindings.Count);
        Assert.Equal(QueueReasonCodes.BorrowingLimit, plan.Waiting[4].Code);
    }

    [Fact]
    public void Plan_OwnerWithinGuarantee_ReclaimsMostRecentlyStartedBorrowedJob()
    {
        BoundJob[] bound = [Bound(10, "a", 0, 0, runningMinutes: 50), Bound(11, "a", 0, 1, runningMinutes: 40),
            Bound(12, "a", 0, 2, runningMinutes: 5), Bound(13, "a", 0, 3, runningMinutes: 30)];
        var plan = Plan([Node("n1")], bound, [Pending(1, "b", priority: 1)], Policy(("a", 2, null, 1), ("b", 2, null, 1)));
        var eviction = Assert.Single(plan.Evictions);
        Assert.Equal(12, eviction.JobId);
        Assert.Contains("reclaimed", eviction.Reason.Message, StringComparison.Ordinal);
        Assert.Equal(1, Assert.Single(plan.Bindings).JobId);
    }

    [Fact]
    public void Plan_GuaranteedWorkFirst_IdleRoomLentInACycleNeverMakesTheBorrowersOlderWorkAVictim()
    {
        // a holds its guarantee (job 10, running an hour); b is owed 3 GPUs and asks for them. Were a's job 1 lent one of
        // the free GPUs first, b's last job would have to reclaim, and a's older job would count as the borrowed one.
        var plan = Plan([Node("n1")], [Bound(10, "a", 0, 0, runningMinutes: 60)], [Pending(1, "a"), Pending(2, "b"), Pending(3, "b"), Pending(4, "b")],
            Policy(("a", 1, null, 1), ("b", 3, null, 1)));
        Assert.Empty(plan.Evictions);
        Assert.Equal([2L, 3L, 4L], plan.Bindings.Select(b => b.JobId).Order());
        Assert.Equal(QueueReasonCodes.FairShare, plan.Waiting[1].Code);
    }

    [Fact]
    public void Plan_Reclaim_TakesTheVictimThatLosesTheLeastWork()
    {
        // Both are borrowed; job 11 started later but has done more GPU-time (2 GPUs for 40 min against 1 GPU for 60 min).
        BoundJob[] bound = [Bound(10, "a", 0, 0, runningMinutes: 60),
            new(11, "a", 5, true, 11, [new BoundTask(Request(2), new NodePlacement(0, GpuSet.Of([1, 2])))], Running: TimeSpan.FromMinutes(40))];
        var plan = Plan([Node("n1", gpus: 3)], bound, [Pending(1, "b")], Policy(("a", 0, null, 1), ("b", 1, null, 1)));
        Assert.Equal(10, Assert.Single(plan.Evictions).JobId);
    }

    [Fact]
    public void Plan_ReclaimNeverTakesATenantBelowItsGuarantee()
    {
        // a holds exactly its guarantee: nothing of it is borrowed, so b (within its own guarantee) cannot reclaim.
        BoundJob[] bound = [Bound(10, "a", 0, 0), Bound(11, "a", 0, 1)];
        var plan = Plan([Node("n1", gpus: 2)], bound, [Pending(1, "b")], Policy(("a", 2, null, 1), ("b", 2, null, 1)));
        Assert.Empty(plan.Evictions);
        Assert.Equal(QueueReasonCodes.FairShare, plan.Waiting[1].Code);
    }

    [Fact]
    public void Plan_BorrowedWorkNotPreemptible_WaitsAndNamesTheBorrower()
    {
        BoundJob[] bound = [Bound(10, "a", 0, 0, preemptible: false), Bound(11, "a", 0, 1, preemptible: false)];
        var plan = Plan([Node("n1", gpus: 2)], bound, [Pending(1, "b")], Policy(("a", 0, null, 1), ("b", 2, null, 1)));
        Assert.Empty(plan.Evictions);
        var reason = plan.Waiting[1];
        Assert.Equal(QueueReasonCodes.FairShare, reason.Code);
        Assert.Contains("'a' borrows 2 GPU", reason.Message, StringComparison.Ordinal);
        Assert.Contains("none of it preemptible", reason.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_JobThatWouldBorrow_DoesNotReclaim()
    {
        BoundJob[] bound = [Bound(10, "a", 0, 0), Bound(11, "a", 0, 1)];
        var plan = Plan([Node("n1", gpus: 2)], bound, [Pending(1, "b")], Policy(("a", 0, null, 1), ("b", 0, null, 1)));
        Assert.Empty(plan.Evictions);
        Assert.Contains("would borrow", plan.Waiting[1].Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1.0, 1.0, 4, 4)]
    [InlineData(3.0, 1.0, 6, 2)]
    public void Plan_Drf_SplitsFreeCapacityByWeight(double weightA, double weightB, int expectedA, int expectedB)
    {
        var pending = Enumerable.Range(0, 8).Select(i => Pending(i, "a")).Concat(Enumerable.Range(100, 8).Select(i => Pending(i, "b"))).ToArray();
        var plan = Plan([Node("n1"), Node("n2")], [], pending, Policy(("a", 0, null, weightA), ("b", 0, null, weightB)));
        Assert.Equal(expectedA, plan.Bindings.Count(b => b.JobId < 100));
        Assert.Equal(expectedB, plan.Bindings.Count(b => b.JobId >= 100));
    }

    [Theory]
    [InlineData(1, 79, false)]
    [InlineData(1, 80, true)]
    [InlineData(5, 40, true)]
    public void Plan_Aging_LiftsAWaitingJobAboveLaterOnesWithinTheBound(int priority, int waitedMinutes, bool first)
    {
        var fair = Policy(("a", 0, null, 1));
        Assert.Equal(TimeSpan.FromMinutes(10 * (9 - priority)), fair.AgingBound(priority));
        var plan = Plan([Node("n1", gpus: 1)], [], [Pending(1, "a", priority: priority, waited: TimeSpan.FromMinutes(waitedMinutes)), Pending(2, "a", priority: 9)], fair);
        Assert.Equal(first ? 1 : 2, Assert.Single(plan.Bindings).JobId);
    }

    [Fact]
    public void Plan_AgedJob_DoesNotPreemptByItsAgedPriority()
    {
        var plan = Plan([Node("n1", gpus: 1)], [Bound(10, "a", 0, 0, priority: 5)], [Pending(1, "a", priority: 1, waited: TimeSpan.FromDays(1))], Policy(("a", 0, null, 1)));
        Assert.Empty(plan.Evictions);
    }

    /// <summary>Seeded random clusters and queues, replanned to a fixed point: guarantees hold, reclaim leaves nobody under
    /// its guarantee, no job is evicted twice (no loops), and at the fixed point no tenant under its guarantee waits while
    /// idle or borrowed preemptible capacity exists.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void Plan_RandomScenarios_GuaranteesHoldAndNoEvictionLoops(int seed)
    {
        var random = new Random(seed);
        var nodes = Enumerable.Range(0, random.Next(1, 4)).Select(i => Node($"n{i}", 4)).ToArray();
        var capacity = nodes.Length * 4;
        string[] tenants = ["a", "b", "c"];
        var guarantees = new Dictionary<string, int>();
        var left = capacity;
        foreach (var t in tenants)
        {
            guarantees[t] = random.Next(0, left + 1);
            left -= guarantees[t];
        }

        var fair = new FairSharePolicy(tenants.ToDictionary(t => t, t => new TenantShare(Gpus(guarantees[t]), null, 1 + random.Next(3))), Aging);
        var planner = new QueuePlanner(PolicyRegistry.Get("bestfit"), new PlacementOptions());
        var cluster = new ClusterState(nodes);
        var bound = new Dictionary<long, BoundJob>();
        var pending = new Dictionary<long, QueuedJob>();
        var preemptibleOf = new Dictionary<long, bool>();
        for (var id = 1L; id <= capacity * 2; id++)
        {
            var tenant = tenants[random.Next(tenants.Length)];
            var priority = random.Next(1, 10);
            preemptibleOf[id] = random.Next(4) > 0;
            pending[id] = new QueuedJob(id, tenant, priority, id, [Request(1, priority, preemptibleOf[id])], Waited: TimeSpan.FromMinutes(random.Next(0, 200)));
        }

        var tenantOf = pending.Values.ToDictionary(j => j.Id, j => j.Tenant);
        var evictedOnce = new HashSet<long>();
        var quiet = false;
        for (var cycle = 0; cycle < 20 && !quiet; cycle++)
        {
            var usage = Usage(bound.Values);
            var plan = planner.Plan(cluster, [.. bound.Values.OrderBy(b => b.Id)], [.. pending.Values], fair, usage);
            foreach (var eviction in plan.Evictions)
            {
                Assert.True(evictedOnce.Add(eviction.JobId), $"seed {seed}: job {eviction.JobId} evicted twice (a loop)");
                var victim = bound[eviction.JobId];
                bound.Remove(victim.Id);
                var job = new QueuedJob(victim.Id, victim.Tenant, victim.Priority, victim.Sequence, [victim.Tasks[0].Request]);
                pending[victim.Id] = job;
            }

            foreach (var binding in plan.Bindings)
            {
                var job = pending[binding.JobId];
                pending.Remove(job.Id);
                bound[job.Id] = new BoundJob(job.Id, job.Tenant, job.Priority, preemptibleOf[job.Id], job.Sequence,
                    [new BoundTask(job.Replicas[0], binding.Placements[0])], Running: TimeSpan.FromMinutes(cycle));
            }


            // Checked after the whole cycle: the victim's tenant may have bound work earlier in the same cycle.
            var afterCycle = Usage(bound.Values);
            foreach (var eviction in plan.Evictions)
            {
                var victimTenant = tenantOf[eviction.JobId];
                var forTenant = tenantOf[eviction.ForJobId];
                if (victimTenant != forTenant)
                {
                    Assert.True(afterCycle.GetValueOrDefault(victimTenant).GpuMilli >= guarantees[victimTenant] * 1000L,
                        $"seed {seed}: reclaim took '{victimTenant}' below its guarantee");
                    Assert.True(preemptibleOf[eviction.JobId]);
                }
            }

            quiet = plan.Evictions.Count == 0 && plan.Bindings.Count == 0;
        }

        Assert.True(quiet, $"seed {seed}: no fixed point within 20 cycles");
        var final = Usage(bound.Values);
        var free = capacity * 1000L - final.Values.Sum(u => u.GpuMilli);
        foreach (var job in pending.Values)
        {
            var held = final.GetValueOrDefault(job.Tenant).GpuMilli;
            Assert.True(free == 0, $"seed {seed}: job {job.Id} waits while {free}m GPU is idle");
            if (held + 1000 <= guarantees[job.Tenant] * 1000L)
            {
                // Under its guarantee: nothing another tenant holds may still be reclaimable.
                var reclaimable = bound.Values.Where(b => b.Tenant != job.Tenant && b.Preemptible
                    && final[b.Tenant].GpuMilli - 1000 >= guarantees[b.Tenant] * 1000L);
                Assert.Empty(reclaimable);
            }
        }
    }

    private static Dictionary<string, ResourceVector> Usage(IEnumerable<BoundJob> bound)
    {
        var usage = new Dictionary<string, ResourceVector>(StringComparer.Ordinal);
        foreach (var job in bound)
        {
            usage[job.Tenant] = usage.GetValueOrDefault(job.Tenant) + job.Tasks[0].Request.Request;
        }

        return usage;
    }
}
