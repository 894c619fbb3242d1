using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Placement.Consolidation;
using Lepton.Core.Queueing;
using Lepton.Core.Workloads;
using Lepton.Simulation.Jobs;

namespace Lepton.Simulation.Tests.Jobs;

public sealed class DefragSimulationTests
{
    private static readonly TimeSpan MoveCost = TimeSpan.FromMinutes(10);

    private static NodeSpec[] Nodes(int count, int gpus) =>
        [.. Enumerable.Range(0, count).Select(i => new NodeSpec { Name = $"n{i}", CpuMilli = 64_000, MemoryMiB = 262_144, GpuCount = gpus, GpuModel = "T4" })];

    private static SimulatedJob Job(string name, double arrivalHours, double durationHours, int gpus = 1, int milli = 1000, bool preemptible = true) =>
        new(name, TimeSpan.FromHours(arrivalHours), TimeSpan.FromHours(durationHours), null,
            [new TaskRequest { Name = name, CpuMilli = 4000, MemoryMiB = 8192, GpuCount = gpus, GpuMilliPerGpu = milli, Preemptible = preemptible }]);

    private static JobSimulationResult Run(NodeSpec[] nodes, IReadOnlyList<SimulatedJob> jobs, DefragOptions? defrag) =>
        JobSimulation.Run(nodes, jobs, PolicyRegistry.Get("bestfit"), new JobSimulationOptions { Discipline = QueueDiscipline.Default, Defrag = defrag });

    /// <summary>Two 8-GPU nodes, each left with four long 1-GPU jobs once the short ones end at 1 h; an 8-GPU job arrives at 2 h.</summary>
    private static List<SimulatedJob> HalfFullNodes(bool preemptible = true)
    {
        // Arrival order long, short, long, short…: best fit fills one node with 4 long and 4 short jobs, then the other.
        var jobs = new List<SimulatedJob>();
        for (var i = 0; i < 8; i++)
        {
            jobs.Add(Job($"long{i}", 0, 10, preemptible: preemptible));
            jobs.Add(Job($"short{i}", 0, 1, preemptible: preemptible));
        }

        jobs.Add(Job("big", 2, 3, gpus: 8));
        return jobs;
    }

    [Fact]
    public void Run_DefragFreesANode_WaitingEightGpuJobStartsAtOnceAndMovedJobsFinishLaterByTheMoveCost()
    {
        var jobs = HalfFullNodes();
        var defrag = new DefragOptions { Every = TimeSpan.FromHours(1), MaxMoves = 10, MoveCost = MoveCost, Goal = ConsolidationGoal.Nodes };

        var without = Run(Nodes(2, 8), jobs, null);
        var with = Run(Nodes(2, 8), jobs, defrag);

        var big = jobs.Count - 1;
        Assert.Equal(TimeSpan.FromHours(10), without.Jobs[big].Start);
        Assert.Equal(TimeSpan.FromHours(2), with.Jobs[big].Start);
        Assert.Equal(TimeSpan.FromHours(5), with.Jobs[big].Finish);
        Assert.Equal(4, with.DefragMoves);
        Assert.Equal(1, with.DefragRounds);
        var moved = with.Jobs.Where(j => j.Moves > 0).ToList();
        Assert.Equal(4, moved.Count);
        Assert.All(moved, j => Assert.StartsWith("long", j.Name, StringComparison.Ordinal));
        // A moved job keeps its work: it finishes when it would have, plus the move cost, and on the other node.
        Assert.All(moved, j => Assert.Equal(TimeSpan.FromHours(10) + MoveCost, j.CompletionTime));
        Assert.Single(moved.Select(j => j.Nodes[0]).Distinct());
        Assert.NotEqual(moved[0].Nodes[0], with.Jobs[big].Nodes[0]);
        Assert.All(with.Jobs.Where(j => j.Moves == 0 && j.Name.StartsWith("long", StringComparison.Ordinal)),
            j => Assert.Equal(TimeSpan.FromHours(10), j.Finish));
        Assert.All(without.Jobs, j => Assert.Equal(0, j.Moves));
        Assert.Equal(0, without.DefragMoves);
    }

    [Fact]
    public void Run_DefragRestartingMovedJobs_TheyStartOverOnTheirNewNodeAfterTheMoveCost()
    {
        var defrag = new DefragOptions { Every = TimeSpan.FromHours(1), MoveCost = MoveCost, Goal = ConsolidationGoal.Nodes, KeepWork = false };

        var result = Run(Nodes(2, 8), HalfFullNodes(), defrag);

        var moved = result.Jobs.Where(j => j.Moves > 0).ToList();
        Assert.Equal(4, moved.Count);
        // Moved at 2 h, idle for the move cost, then the whole 10 h again.
        Assert.All(moved, j => Assert.Equal(TimeSpan.FromHours(12) + MoveCost, j.Finish));
        Assert.All(moved, j => Assert.Equal(TimeSpan.FromHours(2), j.Start));
        Assert.Equal(TimeSpan.FromHours(2), result.Jobs[^1].Start);
    }

    [Theory]
    [InlineData(false, false, 0)]   // as the server: only preemptible jobs move, and none is
    [InlineData(false, true, 4)]    // every one-replica job may move
    public void Run_NonPreemptibleJobs_MoveOnlyWhenAllMayMove(bool preemptible, bool moveAll, int moves)
    {
        var defrag = new DefragOptions { Every = TimeSpan.FromHours(1), MoveCost = MoveCost, Goal = ConsolidationGoal.Nodes, MoveAll = moveAll };

        var result = Run(Nodes(2, 8), HalfFullNodes(preemptible), defrag);

        Assert.Equal(moves, result.DefragMoves);
        Assert.Equal(TimeSpan.FromHours(moves > 0 ? 2 : 10), result.Jobs[^1].Start);
    }

    [Fact]
    public void Run_GpuGoal_MovesAShareToFreeAWholeGpuForAWaitingJob()
    {
        // a (0.5) lands on one GPU; b (0.6) cannot join it and takes the other; c (0.4) fits b's GPU exactly (best fit).
        // When b ends, a and c each hold part of a GPU, and the 1-GPU job d arriving at 2 h finds no whole GPU.
        SimulatedJob[] jobs = [Job("a", 0, 10, milli: 500), Job("b", 0, 1, milli: 600), Job("c", 0, 10, milli: 400), Job("d", 2, 1)];
        var defrag = new DefragOptions { Every = TimeSpan.FromHours(1), MoveCost = MoveCost, Goal = ConsolidationGoal.Gpus };

        var without = Run(Nodes(2, 1), jobs, null);
        var with = Run(Nodes(2, 1), jobs, defrag);

        Assert.Equal(TimeSpan.FromHours(10), without.Jobs[3].Start);
        Assert.Equal(TimeSpan.FromHours(2), with.Jobs[3].Start);
        Assert.Equal(1, with.DefragMoves);
        Assert.Equal(1, with.Jobs[2].Moves);   // the smaller share moves, onto a's GPU
        Assert.Equal(with.Jobs[0].Nodes[0], with.Jobs[2].Nodes[0]);
        Assert.Equal(TimeSpan.FromHours(10) + MoveCost, with.Jobs[2].Finish);
    }

    [Theory]
    [InlineData(true, 0)]    // the waiting job can never fit: moving helps nobody
    [InlineData(false, 1)]   // moves whenever someone waits
    public void Run_WaitingJobGainsNothing_MovesOnlyWhenAskedToMoveForAnyWaiter(bool onlyWhenUseful, int moves)
    {
        var huge = new SimulatedJob("huge", TimeSpan.FromHours(2), TimeSpan.FromHours(1), null,
            [new TaskRequest { Name = "huge", CpuMilli = 100_000, MemoryMiB = 8192 }]);
        SimulatedJob[] jobs = [Job("a", 0, 10, milli: 500), Job("b", 0, 1, milli: 600), Job("c", 0, 10, milli: 400), huge];
        var defrag = new DefragOptions { Every = TimeSpan.FromHours(1), MoveCost = MoveCost, OnlyWhenUseful = onlyWhenUseful };

        var result = Run(Nodes(2, 1), jobs, defrag);

        Assert.Equal(moves, result.DefragMoves);
        Assert.Null(result.Jobs[3].Start);
    }

    [Fact]
    public void Run_NobodyWaits_NothingMoves()
    {
        SimulatedJob[] jobs = [Job("a", 0, 10, milli: 500), Job("b", 0, 1, milli: 600), Job("c", 0, 10, milli: 400)];
        var defrag = new DefragOptions { Every = TimeSpan.FromMinutes(30), MoveCost = MoveCost };

        var result = Run(Nodes(2, 1), jobs, defrag);

        Assert.Equal(0, result.DefragMoves);
        Assert.Equal(TimeSpan.FromHours(10), result.End);
    }
}
