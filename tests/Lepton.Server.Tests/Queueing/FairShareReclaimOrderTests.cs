using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Queueing;
using Lepton.Core.Resources;
using Lepton.Core.Workloads;

namespace Lepton.Server.Tests.Queueing;

/// <summary>Fair-share reclaim chooses its victims node by node: the borrowed work it takes frees a node the waiting job
/// fits on, rather than being spread over nodes that never become wide enough.</summary>
public sealed class FairShareReclaimOrderTests
{
    private static NodeSpec Node(string name) =>
        new() { Name = name, CpuMilli = 64_000, MemoryMiB = 256_000, GpuCount = 4, GpuModel = "A100" };

    private static TaskRequest Request(int gpus, int priority = 5) =>
        new() { Name = "t", CpuMilli = 100, MemoryMiB = 64, GpuCount = gpus, GpuMilliPerGpu = 1000, Priority = priority, Preemptible = true };

    private static BoundJob Bound(long id, string tenant, int node, int[] gpus, int runningMinutes) =>
        new(id, tenant, 5, true, id, [new BoundTask(Request(gpus.Length), new NodePlacement(node, GpuSet.Of(gpus)))],
            Running: TimeSpan.FromMinutes(runningMinutes));

    private static ResourceVector Gpus(int n) => new(0, 0, n * 1000L, 0, 0);

    private static FairSharePolicy Policy(params (string Tenant, int Guarantee)[] tenants) =>
        new(tenants.ToDictionary(t => t.Tenant, t => new TenantShare(Gpus(t.Guarantee))), TimeSpan.FromMinutes(10));

    [Fact]
    public void Plan_ReclaimForAWholeNode_TakesTheVictimsOnOneNodeNotTheCheapestScatteredOnes()
    {
        // b is guaranteed 2 GPUs and holds 4: 2 are reclaimable. Its cheapest jobs (13, 14) sit on n1 next to c's guaranteed
        // work, so taking them frees no node; taking 11 and 12 on n0 (which lose more work) frees n0 for a's 4-GPU job.
        BoundJob[] bound =
        [
            Bound(11, "b", 0, [0], runningMinutes: 500), Bound(12, "b", 0, [1], runningMinutes: 500),
            Bound(13, "b", 1, [0], runningMinutes: 10), Bound(14, "b", 1, [1], runningMinutes: 20),
            Bound(15, "c", 1, [2], runningMinutes: 10), Bound(16, "c", 1, [3], runningMinutes: 10),
        ];
        var pending = new QueuedJob(1, "a", 5, 1, [Request(4)]);
        var plan = new QueuePlanner(PolicyRegistry.Get("bestfit"), new PlacementOptions())
            .Plan(new QueueSnapshot([Node("n0"), Node("n1")], bound, [pending], new Dictionary<string, ResourceVector>(), Policy(("a", 4), ("b", 2), ("c", 2))));
        Assert.Equal([11L, 12L], plan.Evictions.Select(e => e.JobId).Order());
        var binding = Assert.Single(plan.Bindings);
        Assert.Equal(0, binding.Placements[0].Node);
    }

    /// <summary>Seeded random queues on 4-GPU nodes (1-GPU jobs, then 2- and 4-GPU ones), replanned to a fixed point: reclaim never
    /// takes a tenant below its guarantee, no job is evicted twice, and at the fixed point no job within its tenant's
    /// guarantee waits while one node could be freed for it by reclaim alone.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(10)]
    [InlineData(11)]
    [InlineData(12)]
    public void Plan_RandomGangWidths_NoJobWithinItsGuaranteeWaitsForANodeReclaimCouldFree(int seed)
    {
        var random = new Random(seed);
        var nodes = Enumerable.Range(0, random.Next(2, 5)).Select(i => Node($"n{i}")).ToArray();
        string[] tenants = ["a", "b", "c"];
        var guarantees = new Dictionary<string, int>();
        var left = nodes.Length * 4;
        foreach (var t in tenants)
        {
            guarantees[t] = random.Next(0, left + 1);
            left -= guarantees[t];
        }

        var fair = Policy([.. tenants.Select(t => (t, guarantees[t]))]);
        var planner = new QueuePlanner(PolicyRegistry.Get("bestfit"), new PlacementOptions());
        var cluster = new ClusterState(nodes);
        var bound = new Dictionary<long, BoundJob>();
        var pending = new Dictionary<long, QueuedJob>();
        // Two waves: small jobs first (they fill the nodes, much of it borrowed and scattered), then wider ones.
        var tenantOf = new Dictionary<long, string>();
        for (var id = 1L; id <= nodes.Length * 6; id++)
        {
            var width = id <= nodes.Length * 4 ? 1 : random.Next(2) == 0 ? 2 : 4;
            pending[id] = new QueuedJob(id, tenants[random.Next(tenants.Length)], 5, id, [Request(width)]);
            tenantOf[id] = pending[id].Tenant;
        }

        var secondWave = pending.Values.Where(j => j.Id > nodes.Length * 4).ToList();
        foreach (var job in secondWave)
        {
            pending.Remove(job.Id);
        }

        var evictedOnce = new HashSet<long>();
        var quiet = false;
        for (var cycle = 0; cycle < 40 && !quiet; cycle++)
        {
            if (cycle == 1)
            {
                foreach (var job in secondWave)
                {
                    pending[job.Id] = job;
                }
            }

            var plan = planner.Plan(cluster, [.. bound.Values.OrderBy(b => b.Id)], [.. pending.Values], fair, Usage(bound.Values));
            foreach (var eviction in plan.Evictions)
            {
                Assert.True(evictedOnce.Add(eviction.JobId), $"seed {seed}: job {eviction.JobId} evicted twice (a loop)");
                var victim = bound[eviction.JobId];
                bound.Remove(victim.Id);
                pending[victim.Id] = new QueuedJob(victim.Id, victim.Tenant, victim.Priority, victim.Sequence, [victim.Tasks[0].Request]);
            }

            foreach (var binding in plan.Bindings)
            {
                var job = pending[binding.JobId];
                pending.Remove(job.Id);
                bound[job.Id] = new BoundJob(job.Id, job.Tenant, job.Priority, true, job.Sequence, [new BoundTask(job.Replicas[0], binding.Placements[0])],
                    Running: TimeSpan.FromMinutes(random.Next(1, 500)));
            }

            var after = Usage(bound.Values);
            foreach (var eviction in plan.Evictions)
            {
                var tenant = tenantOf[eviction.JobId];
                if (tenant != tenantOf[eviction.ForJobId])
                {
                    Assert.True(after.GetValueOrDefault(tenant).GpuMilli >= guarantees[tenant] * 1000L, $"seed {seed}: reclaim took '{tenant}' below its guarantee");
                }
            }

            quiet = cycle > 0 && plan.Evictions.Count == 0 && plan.Bindings.Count == 0;
        }

        Assert.True(quiet, $"seed {seed}: no fixed point within 40 cycles");
        var final = Usage(bound.Values);
        foreach (var job in pending.Values)
        {
            var need = job.Replicas[0].GpuCount;
            if (!FairSharePolicy.Within(final.GetValueOrDefault(job.Tenant) + Gpus(need), fair.For(job.Tenant)))
            {
                continue;
            }

            for (var n = 0; n < nodes.Length; n++)
            {
                // Could reclaim alone make room on node n? Any set of other tenants' jobs there that leaves each at or above
                // its guarantee (at most 4 jobs on a node: every subset is tried).
                var free = 4 - bound.Values.Where(b => b.Tasks[0].Placement.Node == n).Sum(b => b.Tasks[0].Request.GpuCount);
                var others = bound.Values.Where(b => b.Tasks[0].Placement.Node == n && b.Tenant != job.Tenant).ToArray();
                for (var mask = 1; mask < 1 << others.Length; mask++)
                {
                    var taken = others.Where((_, i) => (mask & (1 << i)) != 0).ToArray();
                    var keeps = taken.GroupBy(t => t.Tenant)
                        .All(g => final[g.Key].GpuMilli - g.Sum(t => t.Tasks[0].Request.TotalGpuMilli) >= guarantees[g.Key] * 1000L);
                    Assert.False(keeps && free + taken.Sum(t => t.Tasks[0].Request.GpuCount) >= need,
                        $"seed {seed}: job {job.Id} ({need} GPUs, within '{job.Tenant}''s guarantee) waits although reclaim could free node {n}");
                }
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
