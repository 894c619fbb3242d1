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

    /// <summary>a is guaranteed 4 GPUs and holds 3 on n0; b holds 2 of n1 (within its guarantee of 4). a's earlier job
    /// asks for <paramref name="earlierGpus"/>, its later job for 2 GPUs; n0 has 1 GPU free, n1 2.</summary>
    [Theory]
    // The earlier 4-GPU job finds no room; the later 2-GPU job would take a from 3 to 5, across its guarantee: it waits.
    [InlineData(4, false)]
    // The earlier 1-GPU job fits (in a's guarantee): a then holds its guarantee, so the later job borrows in full.
    [InlineData(1, true)]
    // The earlier 5-GPU job is larger than a's guarantee (and than any node): it has no claim on the room below the
    // guarantee and holds nobody back.
    [InlineData(5, true)]
    public void Plan_LaterJobAcrossTheGuarantee_WaitsOnlyForAnEarlierJobTheGuaranteeCouldHold(int earlierGpus, bool laterStarts)
    {
        BoundJob[] bound = [Bound(10, "a", 0, 0, 1, 2), Bound(20, "b", 1, 0, 1)];
        var plan = Plan([Node("n0"), Node("n1")], bound, [Pending(1, "a", earlierGpus), Pending(2, "a", 2)], guaranteeA: 4, guaranteeB: 4);
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
        // a already holds its guarantee (3 GPUs): the later 1-GPU job is borrowed in full (reclaimable), not across it,
        // so it takes n1's free GPU although a's earlier 2-GPU job finds no node with 2 free.
        BoundJob[] bound = [Bound(10, "a", 0, 0, 1, 2), Bound(20, "b", 1, 0, 1, 2)];
        var plan = Plan([Node("n0"), Node("n1")], bound, [Pending(1, "a", 2), Pending(2, "a", 1)], guaranteeA: 3, guaranteeB: 5);
        Assert.Contains(plan.Bindings, b => b.JobId == 2);
        Assert.DoesNotContain(plan.Bindings, b => b.JobId == 1);
    }
}
