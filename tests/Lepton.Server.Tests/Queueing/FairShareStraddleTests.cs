using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Queueing;
using Lepton.Core.Resources;
using Lepton.Core.Workloads;

namespace Lepton.Server.Tests.Queueing;

/// <summary>Fair share keeps a tenant's room below its guarantee for its jobs in their order: a later job does not borrow
/// across the guarantee while an earlier job of its tenant that could fit waits.</summary>
public sealed class FairShareStraddleTests
{
    private static NodeSpec Node(string name) =>
        new() { Name = name, CpuMilli = 64_000, MemoryMiB = 256_000, GpuCount = 4, GpuModel = "A100" };

    private static TaskRequest Request(int gpus) =>
        new() { Name = "t", CpuMilli = 100, MemoryMiB = 64, GpuCount = gpus, GpuMilliPerGpu = 1000, Priority = 5, Preemptible = true };

    private static BoundJob Bound(long id, string tenant, int node, params int[] gpus) =>
        new(id, tenant, 5, true, id, [new BoundTask(Request(gpus.Length), new NodePlacement(node, GpuSet.Of(gpus)))], Running: TimeSpan.FromMinutes(30));

    private static QueuedJob Pending(long id, string tenant, int gpus) => new(id, tenant, 5, id, [Request(gpus)]);

    private static Plan Plan(NodeSpec[] nodes, BoundJob[] bound, QueuedJob[] pending, int guaranteeA, int guaranteeB) =>
        new QueuePlanner(PolicyRegistry.Get("bestfit"), new PlacementOptions()).Plan(new QueueSnapshot(nodes, bound, pending,
            new Dictionary<string, ResourceVector>(),
            new FairSharePolicy(new Dictionary<string, TenantShare>
            {
                ["a"] = new(new ResourceVector(0, 0, guaranteeA * 1000L, 0, 0)),
                ["b"] = new(new ResourceVector(0, 0, guaranteeB * 1000L, 0, 0)),
            }, TimeSpan.FromMinutes(10))));

    /// <summary>a is guaranteed 3 GPUs and holds 2 on n0; b holds 3 of n1 (within its guarantee of 5). a's earlier job
    /// asks for <paramref name="earlierGpus"/>, its later job for <paramref name="laterGpus"/>; n0 has 2 GPUs free.</summary>
    [Theory]
    // The earlier 4-GPU job finds no room; the later 2-GPU job would take a from 2 to 4, across its guarantee: it waits.
    [InlineData(4, 2, false)]
    // No earlier job of a waits (the earlier one fits in n1's free GPU), so the later job may borrow across the guarantee.
    [InlineData(1, 2, true)]
    // The earlier job can never fit (5 GPUs on 4-GPU nodes): it holds nobody back.
    [InlineData(5, 2, true)]
    public void Plan_LaterJobAcrossTheGuarantee_WaitsOnlyForAnEarlierJobThatCouldFit(int earlierGpus, int laterGpus, bool laterStarts)
    {
        BoundJob[] bound = [Bound(10, "a", 0, 0), Bound(11, "a", 0, 1), Bound(20, "b", 1, 0, 1, 2)];
        var plan = Plan([Node("n0"), Node("n1")], bound, [Pending(1, "a", earlierGpus), Pending(2, "a", laterGpus)], guaranteeA: 3, guaranteeB: 5);
        Assert.Equal(laterStarts, plan.Bindings.Any(b => b.JobId == 2));
        if (!laterStarts)
        {
            Assert.Equal(QueueReasonCodes.FairShare, plan.Waiting[2].Code);
            Assert.Contains("earlier job 1", plan.Waiting[2].Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Plan_LaterJobWhollyBeyondTheGuarantee_StillBorrowsPastAnEarlierWaitingJob()
    {
        // a already holds its guarantee (2 GPUs): the later 2-GPU job is borrowed in full (reclaimable), not across it.
        BoundJob[] bound = [Bound(10, "a", 0, 0), Bound(11, "a", 0, 1), Bound(20, "b", 1, 0, 1, 2)];
        var plan = Plan([Node("n0"), Node("n1")], bound, [Pending(1, "a", 4), Pending(2, "a", 2)], guaranteeA: 2, guaranteeB: 6);
        Assert.Contains(plan.Bindings, b => b.JobId == 2);
        Assert.DoesNotContain(plan.Bindings, b => b.JobId == 1);
    }
}
