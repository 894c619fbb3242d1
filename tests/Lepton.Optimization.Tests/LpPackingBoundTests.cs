using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Workloads;
using Lepton.Simulation.Experiments;
using Lepton.Simulation.Traces;

namespace Lepton.Optimization.Tests;

public sealed class LpPackingBoundTests
{
    [Fact]
    public void OpenbBound_SmallSyntheticClusterEveryPolicyAndSeed_NeverBelowWhatAnyRunAllocated()
    {
        var random = new Random(5);
        string[] models = ["A100", "T4"];
        var nodes = Enumerable.Range(0, 12).Select(i => new NodeSpec
        {
            Name = "n" + i, CpuMilli = 32_000, MemoryMiB = 128 * 1024, GpuCount = i % 3 == 0 ? 2 : 8, GpuModel = models[i % 2],
        }).ToArray();
        var pods = Enumerable.Range(0, 150).Select(i =>
        {
            var kind = random.Next(5);
            return new TaskRequest
            {
                Name = "p" + i.ToString("D3", System.Globalization.CultureInfo.InvariantCulture),
                CpuMilli = random.Next(1, 12) * 1000,
                MemoryMiB = random.Next(1, 32) * 1024,
                GpuCount = kind == 0 ? 0 : kind <= 2 ? 1 : random.Next(1, 5),
                GpuMilliPerGpu = kind == 0 ? 0 : kind <= 2 ? random.Next(1, 10) * 100 : 1000,
                GpuModels = random.Next(4) == 0 ? [models[random.Next(2)]] : [],
            };
        }).ToArray();
        var cluster = new OpenbCluster("synthetic", nodes);
        var workload = new OpenbWorkload("synthetic", pods);

        AssertBoundHolds(cluster, workload, OpenbCatalog.PublishedPolicies, [1, 2, 3]);
    }

    [Fact]
    public void OpenbBound_DefaultTraceGreedyPolicies_NeverBelowWhatAnyRunAllocated()
    {
        if (TraceDirectory.Find(AppContext.BaseDirectory) is not { } root)
        {
            Assert.Skip("the openb trace is not here: " + TraceDirectory.MissingMessage);
            return;
        }

        var cluster = new OpenbCluster("openb", NodeFileReader.Read(Path.Combine(OpenbCatalog.OpenbDirectory(root), OpenbCatalog.NodeFileName)));
        var workload = new OpenbWorkload("default", TaskFileReader.Read(OpenbCatalog.PodFile(root, "default")));

        AssertBoundHolds(cluster, workload, ["bestfit", "fgd"], [42]);
    }

    [Fact]
    public void UpperBoundGpuMilli_EverythingFits_IsTheTotalRequest()
    {
        var nodes = new[] { new NodeSpec { Name = "g", CpuMilli = 64_000, MemoryMiB = 256 * 1024, GpuCount = 4, GpuModel = "A100" } };
        TaskRequest[] tasks =
        [
            new() { Name = "a", CpuMilli = 1000, MemoryMiB = 1024, GpuCount = 2, GpuMilliPerGpu = 1000 },
            new() { Name = "b", CpuMilli = 1000, MemoryMiB = 1024, GpuCount = 1, GpuMilliPerGpu = 300 },
        ];

        Assert.Equal(2300, new LpPackingBound().UpperBoundGpuMilli(nodes, tasks), 3);
    }

    [Fact]
    public void UpperBoundGpuMilli_TwoOverHalfSharesOnOneGpu_CountsOnlyOne()
    {
        // Two 0.6-GPU tasks cannot share the node's single GPU: the exclusivity cut keeps the bound at 600, not 1000.
        var nodes = new[] { new NodeSpec { Name = "g", CpuMilli = 64_000, MemoryMiB = 256 * 1024, GpuCount = 1, GpuModel = "T4" } };
        TaskRequest[] tasks =
        [
            new() { Name = "a", CpuMilli = 1000, MemoryMiB = 1024, GpuCount = 1, GpuMilliPerGpu = 600 },
            new() { Name = "b", CpuMilli = 1000, MemoryMiB = 1024, GpuCount = 1, GpuMilliPerGpu = 600 },
        ];

        Assert.Equal(600, new LpPackingBound().UpperBoundGpuMilli(nodes, tasks), 3);
    }

    private static void AssertBoundHolds(OpenbCluster cluster, OpenbWorkload workload, IReadOnlyList<string> policies, int[] seeds)
    {
        var bound = new LpPackingBound();
        foreach (var seed in seeds)
        {
            var bounds = OpenbBound.ForRun(cluster, workload, seed, 1.3, [.. Enumerable.Range(1, 13).Select(c => c * 10)], bound);
            foreach (var policy in policies)
            {
                var run = OpenbRun.Execute(cluster, workload, PolicyRegistry.Get(policy), seed, 1.3);
                foreach (var (column, limit) in bounds)
                {
                    var achieved = run.Grid.AllocationPct[column];
                    Assert.True(double.IsNaN(achieved) || achieved <= limit + 1e-9, $"{policy} seed {seed} at {column} %: allocated {achieved} > bound {limit}");
                }
            }
        }
    }
}
