using System.Text.Json;
using Lepton.Core.Placement;
using Lepton.Simulation.Traces;

namespace Lepton.Cli.Tests;

public sealed class PlaceCommandTests
{
    private const string Examples = "examples/placement";

    public static TheoryData<string> Policies => new(PolicyRegistry.All.Select(p => p.Name));

    // "random" may put the CPU-only task anywhere that fits; every other policy must keep it off the GPU node.
    public static TheoryData<string> DeterministicPolicies => new(PolicyRegistry.All.Select(p => p.Name).Where(p => p != "random"));

    [Theory]
    [MemberData(nameof(Policies))]
    public void Place_TwoServers_AllPlacedAndNoServerOverCapacity(string policy)
    {
        var report = PlaceJson("two-servers", policy);

        Assert.Equal(3, report.Placed.Count);
        Assert.Empty(report.Pending);
        var nodes = NodeFileReader.Read(ExampleFile("two-servers", "nodes.yaml")).ToDictionary(n => n.Name);
        var tasks = TaskFileReader.Read(ExampleFile("two-servers", "tasks.yaml")).ToDictionary(t => t.Name);
        foreach (var group in report.Placed.GroupBy(p => p.Node))
        {
            Assert.True(group.Sum(p => tasks[p.Task].CpuMilli) <= nodes[group.Key].CpuMilli, $"{group.Key} is over capacity with {policy}");
            Assert.True(group.Sum(p => tasks[p.Task].MemoryMiB) <= nodes[group.Key].MemoryMiB, $"{group.Key} is over memory with {policy}");
        }
    }

    [Fact]
    public void Place_SpreadOnFiveUnitTasks_AtMostTwoPerNodeAndAllThreeUsed()
    {
        var report = PlaceJson("spread-vs-bestfit", "spread");

        Assert.Equal(5, report.Placed.Count);
        var perNode = report.Placed.GroupBy(p => p.Node).Select(g => g.Count()).ToList();
        Assert.Equal(3, perNode.Count);
        Assert.All(perNode, count => Assert.True(count <= 2));
    }

    [Fact]
    public void Place_BestFitOnFiveUnitTasks_FillsANodeBeforeOpeningAnother()
    {
        var report = PlaceJson("spread-vs-bestfit", "bestfit");

        Assert.Equal(5, report.Placed.Count);
        var load = new Dictionary<string, int>();
        foreach (var placement in report.Placed)
        {
            if (!load.ContainsKey(placement.Node))
            {
                Assert.All(load, opened => Assert.Equal(2, opened.Value));
                load[placement.Node] = 0;
            }

            load[placement.Node]++;
        }

        Assert.Equal([1, 2, 2], load.Values.Order());
    }

    [Theory]
    [MemberData(nameof(Policies))]
    public void Place_NetworkBound_MostImportantFirstWithinTenGbpsRestPendingOnNetwork(string policy)
    {
        var report = PlaceJson("network-bound", policy);

        var tasks = TaskFileReader.Read(ExampleFile("network-bound", "tasks.yaml")).ToDictionary(t => t.Name);
        Assert.True(report.Placed.Sum(p => tasks[p.Task].NetworkMbps) <= 10_000);
        // Priority order serve (8 Gbps), train (6), ingest (4), etl (2): serve fits, train and ingest no longer do, etl does.
        Assert.Equal(["etl", "serve"], report.Placed.Select(p => p.Task).Order());
        Assert.Equal(["ingest", "train"], report.Pending.Select(p => p.Task).Order());
        Assert.All(report.Pending, p => Assert.Contains("network", p.Reason, StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [MemberData(nameof(DeterministicPolicies))]
    public void Place_Heterogeneous_EachTaskLandsWhereItsResourceIs(string policy)
    {
        var report = PlaceJson("heterogeneous", policy);

        Assert.Empty(report.Pending);
        var node = report.Placed.ToDictionary(p => p.Task);
        Assert.Equal("gpu-node", node["gpu-task"].Node);
        Assert.Single(node["gpu-task"].Gpus);
        Assert.Equal("fpga-node", node["fpga-task"].Node);
        Assert.Empty(node["fpga-task"].Gpus);
        Assert.Equal("cpu-node", node["cpu-task"].Node);
    }

    [Fact]
    public void Place_CsvFormatExample_PlacesTheGangTogetherOnTheModelItAsksFor()
    {
        var run = LeptonProcess.Run("place", "--nodes", ExampleFile("csv-format", "nodes.csv"), "--tasks", ExampleFile("csv-format", "tasks.csv"), "--json");

        Assert.True(run.ExitCode == 0, run.Stderr);
        var report = Report.Parse(run.Stdout);
        Assert.Empty(report.Pending);
        var placed = report.Placed.ToDictionary(p => p.Task);
        Assert.Equal("node-v100", placed["train-0"].Node);
        Assert.Equal("node-v100", placed["train-1"].Node);
        Assert.Equal(8, placed["train-0"].Gpus.Concat(placed["train-1"].Gpus).Distinct().Count());
        Assert.StartsWith("node-t4-", placed["inference"].Node);
        Assert.Single(placed["notebook"].Gpus);
    }

    [Fact]
    public void Place_EveryExample_RunsAndAccountsForEveryTask()
    {
        var dirs = Directory.GetDirectories(Path.Combine(LeptonProcess.RepositoryRoot, Examples));
        Assert.NotEmpty(dirs);
        foreach (var dir in dirs)
        {
            var nodes = Directory.GetFiles(dir, "nodes.*").Single();
            var tasks = Directory.GetFiles(dir, "tasks.*").Single();
            var run = LeptonProcess.Run("place", "--nodes", nodes, "--tasks", tasks, "--json");

            Assert.True(run.ExitCode == 0, $"{dir}: exit {run.ExitCode}: {run.Stderr}");
            var report = Report.Parse(run.Stdout);
            Assert.Equal(TaskFileReader.Read(tasks).Count, report.Tasks);
            Assert.Equal(report.Tasks, report.Placed.Count + report.Pending.Count);
        }
    }

    [Fact]
    public void Place_Table_ListsEveryTaskAndTheSummary()
    {
        var run = LeptonProcess.Run("place", "--nodes", ExampleFile("network-bound", "nodes.yaml"), "--tasks", ExampleFile("network-bound", "tasks.yaml"));

        Assert.Equal(0, run.ExitCode);
        foreach (var task in new[] { "etl", "ingest", "train", "serve", "pending", "network" })
        {
            Assert.Contains(task, run.Stdout);
        }

        Assert.Contains("Placed 2 of 4 tasks with policy bestfit", run.Stdout);
    }

    [Fact]
    public void Place_OpenbDefaultTrace_PlacesFromTheCsvFiles()
    {
        var openb = Path.Combine(TraceDirectory.Find(LeptonProcess.RepositoryRoot) ?? throw new InvalidOperationException("this test reads the public traces; " + TraceDirectory.MissingMessage), "openb");

        var run = LeptonProcess.Run("place", "--nodes", Path.Combine(openb, "openb_node_list_gpu_node.csv"),
            "--tasks", Path.Combine(openb, "openb_pod_list_default.csv"), "--json");

        Assert.True(run.ExitCode == 0, run.Stderr);
        var report = Report.Parse(run.Stdout);
        Assert.Equal(8152, report.Tasks);
        Assert.Equal(report.Placed.Count, report.PlacedCount);
        Assert.True(report.PlacedCount > 7000, $"only {report.PlacedCount} of 8152 placed");
        Assert.InRange(report.GpuAllocatedPct, 50, 100);
    }

    [Fact]
    public void Place_UnknownPolicy_ExitsTwoNamingTheValidPolicies()
    {
        var run = LeptonProcess.Run("place", "--nodes", ExampleFile("two-servers", "nodes.yaml"), "--tasks", ExampleFile("two-servers", "tasks.yaml"), "--policy", "tightest");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Stdout);
        var line = Assert.Single(run.Stderr.TrimEnd().Split('\n'));
        Assert.Contains("unknown policy 'tightest'", line);
        Assert.All(PolicyRegistry.All, p => Assert.Contains(p.Name, line));
    }

    [Theory]
    [InlineData("tasks.yaml", "tasks:\n  - name: a\n    resources:\n      memory: 16GB\n", "tasks.yaml:4: resources.memory: invalid memory quantity '16GB'")]
    [InlineData("tasks.csv", "name,cpu_milli,memory_mib,num_gpu,gpu_milli\na,1000,1024,1,500\nb,1000,lots,1,500\n", "tasks.csv:3: memory_mib: 'lots' is not an integer")]
    [InlineData("tasks.yaml", "tasks:\n  - name: a\n    cpus: 4\n", "tasks.yaml:3: cpus: unknown field")]
    public void Place_MalformedTaskFile_ExitsOneWithFileLineAndField(string fileName, string text, string expected)
    {
        var dir = Directory.CreateTempSubdirectory("lepton-place-");
        try
        {
            var path = Path.Combine(dir.FullName, fileName);
            File.WriteAllText(path, text);

            var run = LeptonProcess.Run("place", "--nodes", ExampleFile("two-servers", "nodes.yaml"), "--tasks", path);

            Assert.Equal(1, run.ExitCode);
            var line = Assert.Single(run.Stderr.TrimEnd().Split('\n'));
            Assert.StartsWith("error: " + path + ":", line);
            Assert.Contains(expected, line);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("nodes:\n  - {name: huge, cpu: 8, gpus: {count: 100, model: X}}\n", "node 'huge'")]
    [InlineData("tasks:\n  - {name: t, resources: {cpu: 1}}\n", "nodes.yaml:1: nodes: expected a top-level 'nodes:' list, found 'tasks:'")]
    [InlineData("nodes:\n  - {name: a, cpu: 8, labels: {zone: [eu]}}\n", "nodes.yaml:2: labels")]
    public void Place_BadNodeFile_ExitsOneWithOneLine(string text, string expected)
    {
        var dir = Directory.CreateTempSubdirectory("lepton-place-");
        try
        {
            var path = Path.Combine(dir.FullName, "nodes.yaml");
            File.WriteAllText(path, text);

            var run = LeptonProcess.Run("place", "--nodes", path, "--tasks", ExampleFile("two-servers", "tasks.yaml"));

            Assert.Equal(1, run.ExitCode);
            var line = Assert.Single(run.Stderr.TrimEnd().Split('\n'));
            Assert.StartsWith("error: ", line);
            Assert.Contains(expected, line);
            Assert.DoesNotContain("Parameter", line);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Place_RandomWithSameSeed_GivesTheSamePlacement()
    {
        string[] args = ["place", "--nodes", ExampleFile("spread-vs-bestfit", "nodes.yaml"), "--tasks", ExampleFile("spread-vs-bestfit", "tasks.yaml"), "--policy", "random", "--seed", "7", "--json"];

        var first = LeptonProcess.Run(args);
        var second = LeptonProcess.Run(args);

        Assert.Equal(0, first.ExitCode);
        Assert.Equal(first.Stdout, second.Stdout);
    }

    [Fact]
    public void Place_MissingNodeFile_ExitsOneSayingNotFound()
    {
        var run = LeptonProcess.Run("place", "--nodes", "no/such/nodes.yaml", "--tasks", ExampleFile("two-servers", "tasks.yaml"));

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("error: node file 'no/such/nodes.yaml' not found", run.Stderr.TrimEnd());
    }

    [Fact]
    public void Place_WithoutTasks_IsAUsageError()
    {
        var run = LeptonProcess.Run("place", "--nodes", ExampleFile("two-servers", "nodes.yaml"));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--tasks", run.Stderr);
        Assert.DoesNotContain("   at ", run.Stderr);
    }

    private static string ExampleFile(string scenario, string file) => Path.Combine(LeptonProcess.RepositoryRoot, Examples, scenario, file);

    private static Report PlaceJson(string scenario, string policy)
    {
        var run = LeptonProcess.Run("place", "--nodes", ExampleFile(scenario, "nodes.yaml"), "--tasks", ExampleFile(scenario, "tasks.yaml"), "--policy", policy, "--json");
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Stderr}");
        var report = Report.Parse(run.Stdout);
        Assert.Equal(policy, report.Policy);
        return report;
    }

    private sealed record Placement(string Task, string Node, IReadOnlyList<int> Gpus);

    private sealed record Pending(string Task, string Reason);

    private sealed record Report(string Policy, IReadOnlyList<Placement> Placed, IReadOnlyList<Pending> Pending, int Tasks, int PlacedCount, double GpuAllocatedPct)
    {
        public static Report Parse(string json)
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            var summary = root.GetProperty("summary");
            // The exact key set is part of the contract.
            Assert.Equal(["pending", "placements", "policy", "summary"], root.EnumerateObject().Select(p => p.Name).Order());
            Assert.Equal(["cpuAllocatedPct", "gpuAllocatedPct", "memoryAllocatedPct", "placed", "tasks"], summary.EnumerateObject().Select(p => p.Name).Order());
            return new Report(
                root.GetProperty("policy").GetString()!,
                [.. root.GetProperty("placements").EnumerateArray().Select(p => new Placement(
                    p.GetProperty("task").GetString()!, p.GetProperty("node").GetString()!,
                    [.. p.GetProperty("gpus").EnumerateArray().Select(g => g.GetInt32())]))],
                [.. root.GetProperty("pending").EnumerateArray().Select(p => new Pending(p.GetProperty("task").GetString()!, p.GetProperty("reason").GetString()!))],
                summary.GetProperty("tasks").GetInt32(),
                summary.GetProperty("placed").GetInt32(),
                summary.GetProperty("gpuAllocatedPct").GetDouble());
        }
    }
}
