using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Placement.Batch;
using Lepton.Core.Resources;
using Lepton.Core.Workloads;

namespace Lepton.Optimization.Tests;

public sealed class MilpBatchPlacerTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(5);

    // The design notes' network-bound example: four tasks needing 20 Gbps in all on one 10 Gbps machine.
    private static readonly NodeSpec Big = new() { Name = "big", CpuMilli = 100_000, MemoryMiB = 1 << 20, NetworkMbps = 10_000 };

    private static TaskRequest Net(string name, int priority, long cores, long mbps) => new()
    {
        Name = name, Priority = priority, CpuMilli = cores * 1000, MemoryMiB = cores * 5 * 1024, NetworkMbps = mbps,
    };

    [Fact]
    public void Place_NetworkBoundDesignScenario_PicksMostValuableSetAndProvesIt()
    {
        TaskRequest[] tasks = [Net("etl", 1, 10, 2000), Net("ingest", 2, 20, 4000), Net("train", 3, 30, 6000), Net("serve", 4, 40, 8000)];

        var (result, plan) = BatchScheduler.Schedule(new MilpBatchPlacer(), [Big], tasks, BatchObjective.Priority, Limit);

        Assert.Equal(["etl", "serve"], result.Placements.Where(p => p.IsPlaced).Select(p => p.Task.Name).Order());
        Assert.Equal(BatchPlanStatus.Optimal, plan.Status);
        Assert.Equal(0, plan.Gap);
        Assert.All(result.Placements.Where(p => !p.IsPlaced), p => Assert.Equal("InsufficientNetwork", p.Reason!.Code));
    }

    [Fact]
    public void Place_TasksObjectiveWhereGreedyTakesTheBigOneFirst_PlacesMoreTasksThanGreedy()
    {
        // In input order greedy takes the 6 Gbps task and then neither 5 Gbps one fits; two 5 Gbps tasks fit together.
        TaskRequest[] tasks = [Net("a", 5, 1, 6000), Net("b", 5, 1, 5000), Net("c", 5, 1, 5000)];

        var (result, plan) = BatchScheduler.Schedule(new MilpBatchPlacer(), [Big], tasks, BatchObjective.Tasks, Limit);

        Assert.Equal(["b", "c"], result.Placements.Where(p => p.IsPlaced).Select(p => p.Task.Name).Order());
        Assert.Equal(BatchPlanStatus.Optimal, plan.Status);
        Assert.True(plan.Value > plan.GreedyValue);
        Assert.Equal("InsufficientNetwork", result.Placements.Single(p => !p.IsPlaced).Reason!.Code);
    }

    [Fact]
    public void Place_PriorityObjective_NeverTradesOneImportantTaskForManyLesserOnes()
    {
        // One priority-9 task needs the whole GPU node; ten priority-1 tasks would fill it instead.
        var node = new NodeSpec { Name = "g", CpuMilli = 64_000, MemoryMiB = 512 * 1024, GpuCount = 8, GpuModel = "A100" };
        var tasks = new List<TaskRequest> { new() { Name = "vip", Priority = 9, CpuMilli = 8000, MemoryMiB = 1024, GpuCount = 8, GpuMilliPerGpu = 1000 } };
        for (var i = 0; i < 10; i++)
        {
            tasks.Add(new TaskRequest { Name = "small" + i, Priority = 1, CpuMilli = 1000, MemoryMiB = 1024, GpuCount = 1, GpuMilliPerGpu = 800 });
        }

        var (result, _) = BatchScheduler.Schedule(new MilpBatchPlacer(), [node], tasks, BatchObjective.Priority, Limit);

        Assert.True(result.Placements[0].IsPlaced);
        Assert.Equal([0, 1, 2, 3, 4, 5, 6, 7], result.Placements[0].Gpus);
    }

    [Fact]
    public void Place_QuotaCarriedByBatch_PlacedRequestsStayWithinIt()
    {
        var node = new NodeSpec { Name = "g", CpuMilli = 64_000, MemoryMiB = 512 * 1024, GpuCount = 8, GpuModel = "A100" };
        var tasks = Enumerable.Range(0, 6).Select(i => new TaskRequest { Name = "t" + i, CpuMilli = 1000, MemoryMiB = 1024, GpuCount = 1, GpuMilliPerGpu = 1000 }).ToArray();
        var cluster = new ClusterState([node]);
        var problem = new BatchProblem(cluster, tasks)
        {
            Objective = BatchObjective.Gpu,
            TimeLimit = Limit,
            Quotas = [new BatchQuota("team", new ResourceVector(100_000, 1 << 20, 3000, 0, 0), [0, 1, 2, 3, 4, 5])],
        };

        var plan = new MilpBatchPlacer().Place(problem);

        Assert.Equal(3, plan.Placements.Count(p => p is not null));
    }

    [Fact]
    public void Place_LargerThanTheVariableCap_KeepsTheGreedyPlanAndSaysSo()
    {
        var node = new NodeSpec { Name = "g", CpuMilli = 64_000, MemoryMiB = 512 * 1024, GpuCount = 8, GpuModel = "A100" };
        var tasks = Enumerable.Range(0, 4).Select(i => new TaskRequest { Name = "t" + i, CpuMilli = 1000, MemoryMiB = 1024, GpuCount = 1, GpuMilliPerGpu = 500 }).ToArray();
        var problem = new BatchProblem(new ClusterState([node]), tasks) { TimeLimit = Limit };

        var plan = new MilpBatchPlacer { MaxVariables = 5 }.Place(problem);

        Assert.Equal(BatchPlanStatus.Greedy, plan.Status);
        Assert.Contains("variables", plan.Note, StringComparison.Ordinal);
        Assert.Equal(plan.GreedyValue, plan.Value);
    }

    [Theory]
    [InlineData(BatchObjective.Priority)]
    [InlineData(BatchObjective.Gpu)]
    [InlineData(BatchObjective.Tasks)]
    [InlineData(BatchObjective.Cost)]
    public void Place_RandomSmallInstances_NeverBelowGreedyAndNeverOverCapacity(BatchObjective objective)
    {
        for (var seed = 1; seed <= 12; seed++)
        {
            var random = new Random(seed * 7919 + (int)objective);
            var (nodes, tasks) = RandomInstance(random);
            var cluster = new ClusterState(nodes);
            var problem = new BatchProblem(cluster, tasks) { Objective = objective, TimeLimit = TimeSpan.FromSeconds(1), Options = new PlacementOptions { Seed = seed } };
            var values = BatchValues.For(cluster, tasks, objective);
            var bestGreedy = GreedyBatchPlacer.DefaultPolicies.Max(p => values.ValueOf(GreedyBatchPlacer.Run(problem, PolicyRegistry.Get(p))));

            var plan = new MilpBatchPlacer().Place(problem);

            Assert.True(plan.Value >= bestGreedy, $"seed {seed}: milp {plan.Value} < greedy {bestGreedy}");
            Assert.Equal(values.ValueOf(plan.Placements), plan.Value);
            Assert.Equal(0, cluster.TotalAllocated.CpuMilli); // the placer leaves the cluster as it found it
            AssertWithinCapacity(nodes, tasks, plan.Placements, seed);
        }
    }

    /// <summary>Checks every node's sums and every GPU's share by hand (not through ClusterState), and gangs whole.</summary>
    internal static void AssertWithinCapacity(IReadOnlyList<NodeSpec> nodes, IReadOnlyList<TaskRequest> tasks, IReadOnlyList<NodePlacement?> plan, int seed)
    {
        for (var n = 0; n < nodes.Count; n++)
        {
            var on = Enumerable.Range(0, tasks.Count).Where(t => plan[t]?.Node == n).ToArray();
            Assert.True(on.Sum(t => tasks[t].CpuMilli) <= nodes[n].CpuMilli, $"seed {seed}: cpu over on {nodes[n].Name}");
            Assert.True(on.Sum(t => tasks[t].MemoryMiB) <= nodes[n].MemoryMiB, $"seed {seed}: memory over on {nodes[n].Name}");
            Assert.True(nodes[n].NetworkMbps == 0 || on.Sum(t => tasks[t].NetworkMbps) <= nodes[n].NetworkMbps, $"seed {seed}: network over");
            for (var j = 0; j < nodes[n].GpuCount; j++)
            {
                var gpu = j;
                Assert.True(on.Where(t => plan[t]!.Value.Gpus.Contains(gpu)).Sum(t => tasks[t].GpuMilliPerGpu) <= 1000, $"seed {seed}: GPU {j} of {nodes[n].Name} over");
            }

            foreach (var t in on)
            {
                Assert.Equal(tasks[t].GpuMilliPerGpu > 0 ? tasks[t].GpuCount : 0, plan[t]!.Value.Gpus.Count);
                Assert.True(tasks[t].GpuCount == 0 || tasks[t].GpuModels.Count == 0 || tasks[t].GpuModels.Contains(nodes[n].GpuModel));
            }
        }

        foreach (var gang in Enumerable.Range(0, tasks.Count).Where(t => tasks[t].Gang is not null).GroupBy(t => tasks[t].Gang))
        {
            Assert.True(gang.All(t => plan[t] is not null) || gang.All(t => plan[t] is null), $"seed {seed}: gang {gang.Key} split");
        }
    }

    internal static (NodeSpec[] Nodes, TaskRequest[] Tasks) RandomInstance(Random random)
    {
        string[] models = ["A100", "V100"];
        var nodes = Enumerable.Range(0, random.Next(2, 5)).Select(i => new NodeSpec
        {
            Name = "n" + i,
            CpuMilli = random.Next(4, 17) * 1000,
            MemoryMiB = random.Next(8, 65) * 1024,
            GpuCount = random.Next(0, 5),
            GpuModel = models[random.Next(2)],
            NetworkMbps = random.Next(2) == 0 ? 0 : 10_000,
        }).ToArray();
        var tasks = new TaskRequest[random.Next(6, 14)];
        for (var t = 0; t < tasks.Length; t++)
        {
            var kind = random.Next(4);
            tasks[t] = new TaskRequest
            {
                Name = "t" + t,
                Priority = random.Next(1, 4),
                CpuMilli = random.Next(1, 7) * 1000,
                MemoryMiB = random.Next(1, 17) * 1024,
                GpuCount = kind switch { 0 => 0, 1 => 1, _ => random.Next(1, 3) },
                GpuMilliPerGpu = kind switch { 0 => 0, 1 => random.Next(1, 10) * 100, _ => 1000 },
                GpuModels = random.Next(3) == 0 ? [models[random.Next(2)]] : [],
                NetworkMbps = random.Next(3) * 2000,
                Gang = t > 0 && random.Next(5) == 0 ? "g" + (t / 3) : null,
            };
        }

        return (nodes, tasks);
    }
}
