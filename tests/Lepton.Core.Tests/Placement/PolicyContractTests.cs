using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Workloads;

namespace Lepton.Core.Tests.Placement;

/// <summary>What every policy must guarantee; each policy's test class inherits these tests.</summary>
public abstract class PolicyContractTests
{
    /// <summary>The registry name of the policy under test.</summary>
    protected abstract string Policy { get; }

    [Fact]
    public void Schedule_MixedWorkload_NeverExceedsCapacity()
    {
        var (nodes, tasks) = Workload(seed: 3);
        var result = Schedule(nodes, tasks, seed: 3);

        Assert.True(result.Summary.Placed > 0);
        foreach (var node in nodes)
        {
            var mine = result.Placements.Where(p => p.Node == node.Name).ToList();
            Assert.True(mine.Sum(p => p.Task.CpuMilli) <= node.CpuMilli);
            Assert.True(mine.Sum(p => p.Task.MemoryMiB) <= node.MemoryMiB);
            Assert.True(mine.Sum(p => p.Task.Fpga) <= node.Fpga);
            Assert.True(node.NetworkMbps == 0 || mine.Sum(p => p.Task.NetworkMbps) <= node.NetworkMbps);
            Assert.True(mine.Sum(p => p.Task.RdmaMilli) <= node.RdmaNics * 1000L);
            Assert.All(mine.Where(p => p.Task.MaxPerNode > 0).GroupBy(p => p.Task.ReplicaGroup),
                g => Assert.True(g.Count() <= g.First().Task.MaxPerNode, $"{g.Count()} replicas of {g.Key} on {node.Name}"));
            for (var gpu = 0; gpu < node.GpuCount; gpu++)
            {
                Assert.True(mine.Where(p => p.Gpus.Contains(gpu)).Sum(p => p.Task.GpuMilliPerGpu) <= 1000);
            }
        }
    }

    [Fact]
    public void Schedule_MixedWorkload_GpuIndicesValidAndModelsAllowed()
    {
        var (nodes, tasks) = Workload(seed: 5);
        var result = Schedule(nodes, tasks, seed: 5);

        foreach (var p in result.Placements.Where(p => p.IsPlaced))
        {
            var node = nodes.Single(n => n.Name == p.Node);
            var expected = p.Task.GpuMilliPerGpu == 0 ? 0 : p.Task.GpuCount;
            Assert.Equal(expected, p.Gpus.Count);
            Assert.Equal(p.Gpus.Count, p.Gpus.Distinct().Count());
            Assert.All(p.Gpus, g => Assert.InRange(g, 0, node.GpuCount - 1));
            if (expected > 0 && p.Task.GpuModels.Count > 0)
            {
                Assert.Contains(node.GpuModel, p.Task.GpuModels);
            }
        }
    }

    [Fact]
    public void Schedule_SameSeed_SameResult()
    {
        var (nodes, tasks) = Workload(seed: 7);

        var first = Schedule(nodes, tasks, seed: 11);
        var second = Schedule(nodes, tasks, seed: 11);

        Assert.Equal(Describe(first), Describe(second));
    }

    [Fact]
    public void Schedule_Unplaceable_EveryPendingTaskHasReason()
    {
        var (nodes, tasks) = Workload(seed: 9);
        var result = Schedule(nodes, [.. tasks, new TaskRequest { Name = "huge", CpuMilli = 10_000_000 }], seed: 9);

        Assert.All(result.Placements.Where(p => !p.IsPlaced), p => Assert.False(string.IsNullOrEmpty(p.Reason?.Message)));
        Assert.Equal("InsufficientCpu", result.Placements[^1].Reason!.Code);
    }

    [Fact]
    public void TryPlace_WithNodeClasses_MatchesScanOfEveryNode()
    {
        // Identical nodes are evaluated once per class; the result must be the same as evaluating every node,
        // also when tasks leave and nodes change state behind the engine's back.
        var (nodes, tasks) = Workload(seed: 13);
        var options = new PlacementOptions { Seed = 13, TargetWorkload = TargetWorkload.FromTasks(tasks) };
        var grouped = new ClusterState(nodes);
        var plain = new ClusterState(nodes);
        var fast = new PlacementEngine(grouped, PolicyRegistry.Get(Policy), options);
        var reference = new PlacementEngine(plain, PolicyRegistry.Get(Policy), options);
        reference.DisableNodeClasses();
        var random = new Random(13);
        var running = new List<(TaskRequest Task, NodePlacement Placement)>();
        foreach (var task in tasks)
        {
            var placedFast = fast.TryPlace(task, out var a);
            var placedPlain = reference.TryPlace(task, out var b);
            Assert.Equal(placedPlain, placedFast);
            Assert.Equal(b, a);
            if (placedFast)
            {
                fast.Commit(task, a);
                reference.Commit(task, b);
                running.Add((task, a));
            }

            if (running.Count > 0 && random.Next(4) == 0)
            {
                var k = random.Next(running.Count);
                var (t, p) = running[k];
                running.RemoveAt(k);
                grouped.Release(p.Node, t, p.Gpus);
                plain.Release(p.Node, t, p.Gpus);
            }

            if (random.Next(50) == 0)
            {
                var node = random.Next(nodes.Count);
                var state = (NodeState)random.Next(3);
                grouped.SetState(node, state);
                plain.SetState(node, state);
            }
        }
    }

    [Fact]
    public void TryPlace_CpuOnlyTaskAndCpuNodeFits_AvoidsGpuNode()
    {
        NodeSpec[] nodes =
        [
            new() { Name = "gpu", CpuMilli = 8000, MemoryMiB = 8192, GpuCount = 1, GpuModel = "T4" },
            new() { Name = "fpga", CpuMilli = 8000, MemoryMiB = 8192, Fpga = 1 },
            new() { Name = "cpu", CpuMilli = 64000, MemoryMiB = 65536 },
        ];

        var result = Schedule(nodes, [new TaskRequest { Name = "t", CpuMilli = 1000, MemoryMiB = 1024 }], seed: 1);

        Assert.Equal("cpu", result.Placements[0].Node);
    }

    /// <summary>Schedules with the policy under test.</summary>
    protected PlacementResult Schedule(IReadOnlyList<NodeSpec> nodes, IReadOnlyList<TaskRequest> tasks, int seed)
    {
        var scheduler = new Scheduler(Policy, new PlacementOptions { Seed = seed });
        foreach (var node in nodes)
        {
            scheduler.AddNode(node);
        }

        foreach (var task in tasks)
        {
            scheduler.AddTask(task);
        }

        return scheduler.Schedule();
    }

    /// <summary>A seeded mix: openb-shaped GPU nodes, CPU and FPGA nodes with network and labels, and tasks of every kind.</summary>
    protected static (IReadOnlyList<NodeSpec> Nodes, IReadOnlyList<TaskRequest> Tasks) Workload(int seed)
    {
        var random = new Random(seed);
        var nodes = SyntheticWorkload.Nodes(40, seed).ToList();
        for (var i = 0; i < 8; i++)
        {
            nodes.Add(new NodeSpec
            {
                Name = $"cpu-{i}",
                CpuMilli = 32000,
                MemoryMiB = 131072,
                Fpga = i % 2,
                NetworkMbps = 10000,
                RdmaNics = i % 3,
                Labels = new Dictionary<string, string> { ["zone"] = i < 4 ? "a" : "b" },
            });
        }

        string[] models = ["T4", "P100", "V100M16", "G2"];
        var tasks = SyntheticWorkload.Tasks(400, seed).Select((t, i) => (i % 10) switch
        {
            0 => t with { GpuModels = [models[random.Next(models.Length)], models[random.Next(models.Length)]] },
            1 => t with { GpuCount = 0, GpuMilliPerGpu = 0, NetworkMbps = 2000, NodeSelector = new Dictionary<string, string> { ["zone"] = "a" } },
            2 => t with { GpuCount = 0, GpuMilliPerGpu = 0, Fpga = 1 },
            3 => t with { GpuCount = 0, GpuMilliPerGpu = 0, RdmaMilli = 250, MaxPerNode = 2, App = "app-" + (i % 3) },
            4 => t with { GpuModelThroughput = new Dictionary<string, double> { ["t4"] = 1, ["V100M16"] = 3, ["G2"] = 2 } },
            5 => t with { MaxPerNode = 1, App = "spread-" + (i % 2) },
            _ => t,
        }).ToList();
        return (nodes, tasks);
    }

    private static string Describe(PlacementResult result) =>
        string.Join(";", result.Placements.Select(p => $"{p.Task.Name}@{p.Node}[{string.Join(",", p.Gpus)}]"));
}
