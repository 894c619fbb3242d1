using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Placement.Consolidation;
using Lepton.Core.Workloads;

namespace Lepton.Optimization.Tests;

public sealed class ConsolidationPlannerTests
{
    private static readonly NodeSpec Gpu4 = new() { Name = "a", CpuMilli = 32_000, MemoryMiB = 64 * 1024, GpuCount = 4, GpuModel = "T4" };

    private static TaskRequest Share(string name, int milli) => new() { Name = name, CpuMilli = 1000, MemoryMiB = 1024, GpuCount = 1, GpuMilliPerGpu = milli };

    [Fact]
    public void Plan_FourQuarterSharesOnFourGpus_MovesThreeToFreeThreeGpus()
    {
        var cluster = new ClusterState([Gpu4]);
        var movable = new List<MovableTask>();
        for (var j = 0; j < 4; j++)
        {
            var task = Share("s" + j, 250);
            var at = new NodePlacement(0, GpuSet.Of(j));
            cluster.Allocate(0, task, at.Gpus);
            movable.Add(new MovableTask(task.Name, task, at));
        }

        var plan = new GreedyConsolidationPlanner().Plan(new ConsolidationRequest(cluster, movable) { MaxMoves = 10 });

        Assert.Equal(3, plan.Moves.Count);
        Assert.Equal(0, plan.FreeGpusBefore);
        Assert.Equal(3, plan.FreeGpusAfter);
        Assert.Equal(4, cluster.TaskCount(0)); // left as found
        Assert.Equal([1000 - 250, 750, 750, 750], cluster.GpuFreeSpan(0).ToArray());
    }

    [Fact]
    public void Plan_CapBelowADonorsTasks_SkipsThatDonor()
    {
        var cluster = new ClusterState([Gpu4]);
        var movable = new List<MovableTask>();
        // GPU 0 holds two 0.25 shares, GPU 1 holds one 0.5 share: emptying GPU 1 takes one move, GPU 0 two.
        foreach (var (task, gpu) in new[] { (Share("x", 250), 0), (Share("y", 250), 0), (Share("z", 500), 1) })
        {
            var at = new NodePlacement(0, GpuSet.Of(gpu));
            cluster.Allocate(0, task, at.Gpus);
            movable.Add(new MovableTask(task.Name, task, at));
        }

        var plan = new GreedyConsolidationPlanner().Plan(new ConsolidationRequest(cluster, movable) { MaxMoves = 1 });

        Assert.Equal("z", Assert.Single(plan.Moves).Id);
        Assert.Equal(plan.FreeGpusBefore + 1, plan.FreeGpusAfter);
    }

    [Theory]
    [InlineData(ConsolidationGoal.Gpus)]
    [InlineData(ConsolidationGoal.Nodes)]
    public void Plan_RandomPlacedClusters_NeverOverfillsANode(ConsolidationGoal goal)
    {
        for (var seed = 1; seed <= 25; seed++)
        {
            var random = new Random(seed);
            var (nodes, tasks) = MilpBatchPlacerTests.RandomInstance(random);
            tasks = [.. tasks.Select(t => t with { Gang = null, Preemptible = random.Next(4) > 0 })];
            var cluster = new ClusterState(nodes);
            var engine = new PlacementEngine(cluster, PolicyRegistry.Get("spread"));
            var movable = new List<MovableTask>();
            var fixedTasks = new List<(TaskRequest Task, NodePlacement At)>();
            foreach (var task in tasks)
            {
                if (engine.TryPlace(task, out var at))
                {
                    engine.Commit(task, at);
                    if (task.Preemptible)
                    {
                        movable.Add(new MovableTask(task.Name, task, at));
                    }
                    else
                    {
                        fixedTasks.Add((task, at));
                    }
                }
            }

            var plan = new GreedyConsolidationPlanner().Plan(new ConsolidationRequest(cluster, movable) { Goal = goal, MaxMoves = 1 + seed % 6 });

            Assert.True(plan.Moves.Count <= 1 + seed % 6);
            Assert.True(plan.FreeGpusAfter >= plan.FreeGpusBefore || goal == ConsolidationGoal.Nodes, $"seed {seed}: fewer free GPUs");
            Assert.True(plan.FreeNodesAfter >= plan.FreeNodesBefore || goal == ConsolidationGoal.Gpus, $"seed {seed}: fewer free nodes");
            var all = fixedTasks.Concat(movable.Select((m, i) => (m.Task, plan.Moves.LastOrDefault(x => x.Task == i)?.To ?? m.Placement))).ToList();
            MilpBatchPlacerTests.AssertWithinCapacity(nodes, [.. all.Select(a => a.Item1)], [.. all.Select(a => (NodePlacement?)a.Item2)], seed);
            Assert.All(plan.Moves, m => Assert.True(movable[m.Task].Task.Preemptible));
        }
    }
}
