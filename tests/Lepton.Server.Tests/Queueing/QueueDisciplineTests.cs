using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Queueing;
using Lepton.Core.Workloads;

namespace Lepton.Server.Tests.Queueing;

public sealed class QueueDisciplineTests
{
    private static NodeSpec Node(string name, int gpus = 4) =>
        new() { Name = name, CpuMilli = 64_000, MemoryMiB = 256_000, GpuCount = gpus, GpuModel = "A100" };

    private static TaskRequest Request(int gpus, int priority = 5) =>
        new() { Name = "t", CpuMilli = 1000, MemoryMiB = 1024, GpuCount = gpus, GpuMilliPerGpu = 1000, Priority = priority };

    private static QueuedJob Pending(long id, int gpus, int priority = 5, double? hours = null, int replicas = 1) =>
        new(id, "a", priority, id, [.. Enumerable.Repeat(Request(gpus, priority), replicas)], hours is { } h ? TimeSpan.FromHours(h) : null);

    private static BoundJob Bound(long id, int node, int[] gpus, double? remainingHours) =>
        new(id, "a", 5, false, id, [new BoundTask(Request(gpus.Length), new NodePlacement(node, GpuSet.Of(gpus)))],
            remainingHours is { } h ? TimeSpan.FromHours(h) : null);

    private static Plan Plan(QueueDiscipline discipline, NodeSpec[] nodes, BoundJob[] bound, QueuedJob[] pending) =>
        new QueuePlanner(PolicyRegistry.Get("bestfit"), new PlacementOptions()) { Discipline = discipline }
            .Plan(new QueueSnapshot(nodes, bound, pending, new Dictionary<string, Lepton.Core.Resources.ResourceVector>()));

    [Theory]
    [InlineData("fifo", "fifo")]
    [InlineData("FIFO", "fifo")]
    [InlineData("priority", "priority")]
    [InlineData("priority-backfill", "priority-backfill")]
    [InlineData("backfill", "priority-backfill")]
    [InlineData(" easy ", "easy")]
    public void TryParse_KnownName_FindsDiscipline(string text, string expected)
    {
        Assert.True(QueueDiscipline.TryParse(text, out var discipline));
        Assert.Equal(expected, discipline.Name);
    }

    [Theory]
    [InlineData("")]
    [InlineData("lifo")]
    [InlineData(null)]
    public void TryParse_UnknownName_False(string? text) => Assert.False(QueueDiscipline.TryParse(text, out _));

    [Theory]
    [InlineData("fifo", false)]
    [InlineData("priority", false)]
    [InlineData("priority-backfill", true)]
    public void Plan_HeadDoesNotFit_LaterJobBackfilledOnlyWithBackfill(string queue, bool backfilled)
    {
        QueueDiscipline.TryParse(queue, out var discipline);
        var plan = Plan(discipline, [Node("n1")], [Bound(10, 0, [0, 1], null)], [Pending(1, 4), Pending(2, 1)]);

        Assert.Equal(backfilled, plan.Bindings.Any(b => b.JobId == 2));
        Assert.Equal(QueueReasonCodes.Unschedulable, plan.Waiting[1].Code);
        if (!backfilled)
        {
            Assert.Equal(QueueReasonCodes.Blocked, plan.Waiting[2].Code);
            Assert.Contains("job 1", plan.Waiting[2].Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Plan_Fifo_ArrivalOrderIgnoresPriority()
    {
        var fifo = Plan(QueueDiscipline.Fifo, [Node("n1", gpus: 1)], [], [Pending(1, 1, priority: 1), Pending(2, 1, priority: 9)]);
        var priority = Plan(QueueDiscipline.Priority, [Node("n1", gpus: 1)], [], [Pending(1, 1, priority: 1), Pending(2, 1, priority: 9)]);

        Assert.Equal(1, Assert.Single(fifo.Bindings).JobId);
        Assert.Equal(2, Assert.Single(priority.Bindings).JobId);
    }

    [Fact]
    public void Plan_StrictHeadThatNeverFits_DoesNotBlock()
    {
        var plan = Plan(QueueDiscipline.Fifo, [Node("n1")], [], [Pending(1, 8), Pending(2, 1)]);

        Assert.Equal(2, Assert.Single(plan.Bindings).JobId);
        Assert.Equal(QueueReasonCodes.NeverFits, plan.Waiting[1].Code);
    }

    [Theory]
    [InlineData(QueueOrder.ShortestFirst, 2)]
    [InlineData(QueueOrder.LongestFirst, 1)]
    public void Plan_DurationOrder_PicksByDeclaredDuration(QueueOrder order, long first)
    {
        var plan = Plan(QueueDiscipline.PriorityBackfill.WithOrder(order), [Node("n1", gpus: 1)], [], [Pending(1, 1, hours: 3), Pending(2, 1, hours: 1), Pending(3, 1)]);

        Assert.Equal(first, Assert.Single(plan.Bindings).JobId);
    }

    // The EASY cases share a cluster: n1 has 1 GPU free and frees 3 more in 2 h (job 10); n2 is full for 5 h (job 11).
    private static readonly NodeSpec[] EasyNodes = [Node("n1"), Node("n2")];
    private static readonly BoundJob[] EasyBound = [Bound(10, 0, [0, 1, 2], 2), Bound(11, 1, [0, 1, 2, 3], 5)];

    [Fact]
    public void Plan_EasyHeadBlocked_ReservesEarliestStartOnNodeThatFreesFirst()
    {
        var plan = Plan(QueueDiscipline.Easy, EasyNodes, EasyBound, [Pending(1, 4)]);

        var reservation = Assert.IsType<Reservation>(plan.Reservation);
        Assert.Equal(1, reservation.JobId);
        Assert.Equal(TimeSpan.FromHours(2), reservation.StartsIn);
        Assert.Equal(0, Assert.Single(reservation.Placements).Node);
        Assert.Contains("reserved", plan.Waiting[1].Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1.0, true)]    // ends before the head's reserved start: may use the reserved GPU
    [InlineData(2.0, true)]    // ends exactly then
    [InlineData(3.0, false)]   // would still hold the GPU the head needs at 2 h
    [InlineData(null, false)]  // unknown length: might
    public void Plan_EasyCandidateOnReservedNode_BackfilledOnlyIfItEndsInTime(double? hours, bool backfilled)
    {
        var plan = Plan(QueueDiscipline.Easy, EasyNodes, EasyBound, [Pending(1, 4), Pending(2, 1, hours: hours)]);

        Assert.Equal(backfilled, plan.Bindings.Any(b => b.JobId == 2));
        if (!backfilled)
        {
            Assert.Equal(QueueReasonCodes.Blocked, plan.Waiting[2].Code);
            Assert.Contains("reservation", plan.Waiting[2].Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Plan_EasyLongCandidate_BackfilledOnNodeTheReservationDoesNotUse()
    {
        // n3 has a free GPU for 10 h: bestfit scores n1 and n3 alike, and the planner must steer the long job off n1.
        NodeSpec[] nodes = [.. EasyNodes, Node("n3")];
        BoundJob[] bound = [.. EasyBound, Bound(12, 2, [0, 1, 2], 10)];

        var plan = Plan(QueueDiscipline.Easy, nodes, bound, [Pending(1, 4), Pending(2, 1, hours: 8)]);

        var binding = Assert.Single(plan.Bindings);
        Assert.Equal(2, binding.JobId);
        Assert.Equal(2, Assert.Single(binding.Placements).Node);
        Assert.Equal(0, Assert.Single(plan.Reservation!.Placements).Node);
    }

    [Fact]
    public void Plan_GreedyBackfill_LongCandidateTakesTheGpuTheHeadNeeds()
    {
        var plan = Plan(QueueDiscipline.PriorityBackfill, EasyNodes, EasyBound, [Pending(1, 4), Pending(2, 1, hours: 8)]);

        Assert.Equal(2, Assert.Single(plan.Bindings).JobId);
        Assert.Null(plan.Reservation);
    }

    [Fact]
    public void Plan_EasyRunningJobsOfUnknownLength_ReservationWithoutTimeStillProtectsItsPlace()
    {
        var plan = Plan(QueueDiscipline.Easy, [Node("n1")], [Bound(10, 0, [0, 1, 2], null)], [Pending(1, 4), Pending(2, 1, hours: 0.1)]);

        Assert.Null(plan.Reservation!.StartsIn);
        Assert.Empty(plan.Bindings);
        Assert.Equal(QueueReasonCodes.Blocked, plan.Waiting[2].Code);
    }

    [Fact]
    public void Plan_EasyGangHead_ReservesAcrossNodesAndLeavesClusterAsItWas()
    {
        var cluster = new ClusterState(EasyNodes);
        foreach (var job in EasyBound)
        {
            foreach (var task in job.Tasks)
            {
                cluster.Allocate(task.Placement.Node, task.Request, task.Placement.Gpus);
            }
        }

        var before = Enumerable.Range(0, 2).Select(cluster.Allocated).ToArray();
        var planner = new QueuePlanner(PolicyRegistry.Get("bestfit"), new PlacementOptions()) { Discipline = QueueDiscipline.Easy };

        var plan = planner.Plan(cluster, EasyBound, [Pending(1, 4, replicas: 2)], new Dictionary<string, Lepton.Core.Resources.ResourceVector>(),
            new Dictionary<string, Lepton.Core.Resources.ResourceVector>());

        Assert.Equal(TimeSpan.FromHours(5), plan.Reservation!.StartsIn);
        Assert.Equal([0, 1], plan.Reservation.Placements.Select(p => p.Node).Order());
        Assert.Equal(before, Enumerable.Range(0, 2).Select(cluster.Allocated).ToArray());
    }

    [Fact]
    public void BuildApp_UnknownQueue_ArgumentErrorNamingTheChoices()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "lepton-queue-" + Guid.NewGuid().ToString("N"));
        try
        {
            var error = Assert.Throws<ArgumentException>(() => LeptonServer.BuildApp(new LeptonServerOptions { DataDir = dataDir, Urls = "http://127.0.0.1:0", Queue = "lifo" }));
            Assert.Contains("'lifo'", error.Message, StringComparison.Ordinal);
            Assert.Contains("easy", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }
}
