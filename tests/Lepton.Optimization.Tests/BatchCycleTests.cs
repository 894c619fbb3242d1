using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Queueing;
using Lepton.Core.Resources;
using Lepton.Core.Workloads;

namespace Lepton.Optimization.Tests;

public sealed class BatchCycleTests
{
    private static readonly NodeSpec Big = new() { Name = "big", CpuMilli = 100_000, MemoryMiB = 1 << 20, NetworkMbps = 10_000 };

    private static QueuedJob Job(long id, long mbps, string tenant = "t", int replicas = 1) =>
        new(id, tenant, 5, id, [.. Enumerable.Range(0, replicas).Select(r => new TaskRequest { Name = $"j{id}-{r}", CpuMilli = 1000, MemoryMiB = 1024, NetworkMbps = mbps })]);

    private static QueuePlanner Planner(bool batch) => new(PolicyRegistry.Get("bestfit"), new PlacementOptions())
    {
        BatchPlacer = batch ? new MilpBatchPlacer() : null,
        BatchTimeLimit = TimeSpan.FromSeconds(5),
    };

    [Fact]
    public void Plan_MilpBatchWhereQueueOrderWastesTheNetwork_BindsMoreJobsThanJobByJob()
    {
        QueuedJob[] pending = [Job(1, 6000), Job(2, 5000), Job(3, 5000)];
        var empty = new Dictionary<string, ResourceVector>();

        var greedy = Planner(batch: false).Plan(new ClusterState([Big]), [], pending, empty, empty);
        var cluster = new ClusterState([Big]);
        var batch = Planner(batch: true).Plan(cluster, [], pending, empty, empty);

        Assert.Equal([1L], greedy.Bindings.Select(b => b.JobId));
        Assert.Equal([2L, 3L], batch.Bindings.Select(b => b.JobId).Order());
        Assert.Equal(10_000, cluster.TotalAllocated.NetworkMbps); // the plan is committed into the cluster, as the planner's contract says
        Assert.Contains("network", batch.Waiting[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_MilpBatchWithQuotaAndGang_KeepsJobsWholeAndTenantsWithinQuota()
    {
        // Tenant a may hold 4 Gbps more: only one of its 2 Gbps × 2 gang or two 2 Gbps jobs; tenant b is unlimited.
        QueuedJob[] pending = [Job(1, 2000, "a", replicas: 2), Job(2, 2000, "a"), Job(3, 3000, "b"), Job(4, 3000, "b", replicas: 2)];
        var quotas = new Dictionary<string, ResourceVector> { ["a"] = new(100_000, 1 << 20, 0, 0, 6000) };
        var usage = new Dictionary<string, ResourceVector> { ["a"] = new(0, 0, 0, 0, 2000) };
        var cluster = new ClusterState([Big]);

        var plan = Planner(batch: true).Plan(cluster, [], pending, quotas, usage);

        var bound = plan.Bindings.ToDictionary(b => b.JobId);
        Assert.True(pending.Where(j => bound.ContainsKey(j.Id) && j.Tenant == "a").Sum(j => j.Replicas.Sum(r => r.NetworkMbps)) <= 4000);
        Assert.All(plan.Bindings, b => Assert.Equal(pending.Single(j => j.Id == b.JobId).Replicas.Count, b.Placements.Count));
        Assert.True(cluster.TotalAllocated.NetworkMbps <= 10_000);
        Assert.Equal(10_000, cluster.TotalAllocated.NetworkMbps); // 4 (tenant a) + 6 (tenant b's gang or two jobs) fills the link
    }
}
