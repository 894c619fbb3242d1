using System.Text.Json;

namespace Lepton.Cli.Tests;

public sealed class OptimizationCommandTests
{
    private static string ExampleFile(string scenario, string file) => Path.Combine(LeptonProcess.RepositoryRoot, "examples/placement", scenario, file);

    [Fact]
    public void Place_MilpOnTheNetworkBoundExample_PlacesServeAndEtlAndSaysItIsProvenOptimal()
    {
        var run = LeptonProcess.Run("place", "--nodes", ExampleFile("network-bound", "nodes.yaml"), "--tasks", ExampleFile("network-bound", "tasks.yaml"),
            "--policy", "milp", "--json");

        Assert.Equal(0, run.ExitCode);
        using var doc = JsonDocument.Parse(run.Stdout);
        Assert.Equal(["etl", "serve"], doc.RootElement.GetProperty("placements").EnumerateArray().Select(p => p.GetProperty("task").GetString()).Order());
        var batch = doc.RootElement.GetProperty("batch");
        Assert.Equal("optimal", batch.GetProperty("status").GetString());
        Assert.Equal("priority", batch.GetProperty("objective").GetString());
        Assert.Equal(0, batch.GetProperty("gapPct").GetDouble());
    }

    [Theory]
    [InlineData("--objective", "fastest", "--objective")]
    [InlineData("--time-limit", "0", "--time-limit")]
    public void Place_MilpWithBadOption_ExitsTwoNamingTheOption(string option, string value, string named)
    {
        var run = LeptonProcess.Run("place", "--nodes", ExampleFile("network-bound", "nodes.yaml"), "--tasks", ExampleFile("network-bound", "tasks.yaml"),
            "--policy", "milp", option, value);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(named, run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Defrag_OfflineSpreadPlacement_PlansMovesThatFreeGpusWithinTheCap()
    {
        var dir = Directory.CreateTempSubdirectory("lepton-defrag-");
        try
        {
            var nodes = Path.Combine(dir.FullName, "nodes.yaml");
            var tasks = Path.Combine(dir.FullName, "tasks.yaml");
            File.WriteAllText(nodes, "nodes:\n  - {name: a, cpu: 32, memory: 64Gi, gpus: {count: 4, model: T4}}\n  - {name: b, cpu: 32, memory: 64Gi, gpus: {count: 4, model: T4}}\n");
            File.WriteAllText(tasks, "tasks:\n" + string.Concat(Enumerable.Range(0, 4).Select(i => $"  - {{name: s{i}, preemptible: true, resources: {{cpu: 1, memory: 1Gi, gpuFraction: 0.25}}}}\n")));

            var run = LeptonProcess.Run("defrag", "--nodes", nodes, "--tasks", tasks, "--policy", "spread", "--max-moves", "2", "--json");

            Assert.Equal(0, run.ExitCode);
            using var doc = JsonDocument.Parse(run.Stdout);
            var moves = doc.RootElement.GetProperty("moves").GetArrayLength();
            Assert.InRange(moves, 1, 2);
            Assert.Equal(doc.RootElement.GetProperty("freeGpusBefore").GetInt32() + moves, doc.RootElement.GetProperty("freeGpusAfter").GetInt32());
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
