using System.Text.Json;

namespace Lepton.Cli.Tests;

/// <summary>Runs <c>lepton simulate jobs --defrag-every</c> as a user would: the example's numbers and the option errors.</summary>
public sealed class DefragSimulateCommandTests : IDisposable
{
    private const string Example = "examples/jobs/defrag";

    private readonly string _dir = Directory.CreateTempSubdirectory("lepton-defragsim-").FullName;

    public static TheoryData<string, string, string> BadOptions => new()
    {
        { "--defrag-every", "soon", "--defrag-every" },
        { "--defrag-every", "0", "--defrag-every" },
        { "--defrag-move-cost", "later", "--defrag-move-cost" },
        { "--defrag-max-moves", "0", "--defrag-max-moves" },
        { "--defrag-goal", "racks", "--defrag-goal" },
        { "--defrag-movable", "some", "--defrag-movable" },
        { "--defrag-work", "lose", "--defrag-work" },
        { "--defrag-when", "always", "--defrag-when" },
    };

    [Fact]
    public void Jobs_DefragExample_BigJobStartsAt2hAndMovedJobsFinishLaterByTheMoveCost()
    {
        var jsonPath = Path.Combine(_dir, "result.json");

        var run = LeptonProcess.Run("simulate", "jobs", "--cluster", $"{Example}/cluster.yaml", "--jobs", $"{Example}/jobs.yaml",
            "--policy", "bestfit", "--defrag-every", "1h", "--defrag-goal", "nodes", "--defrag-move-cost", "10m", "--json", jsonPath);

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("no defrag", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("jobs moved", run.Stdout, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(File.ReadAllText(jsonPath));
        var root = json.RootElement;
        Assert.Equal(4, root.GetProperty("defragMoves").GetInt32());
        var jobs = root.GetProperty("perJob").EnumerateArray().ToDictionary(j => j.GetProperty("name").GetString()!);
        Assert.Equal(2, jobs["big"].GetProperty("startHours").GetDouble(), 9);
        var moved = jobs.Values.Where(j => j.GetProperty("moves").GetInt32() == 1).ToList();
        Assert.Equal(4, moved.Count);
        Assert.All(moved, j => Assert.Equal(10 + 10 / 60.0, j.GetProperty("completionHours").GetDouble(), 9));
    }

    [Fact]
    public void Jobs_DefragWithSeveralSeeds_ExitTwoNamingTheOption()
    {
        var run = LeptonProcess.Run("simulate", "jobs", "--cluster", $"{Example}/cluster.yaml", "--jobs", $"{Example}/jobs.yaml",
            "--seeds", "1-2", "--defrag-every", "1h");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--defrag-every", run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Jobs_BadDefragOption_ExitTwoNamingIt(string option, string value, string expected)
    {
        string[] every = option == "--defrag-every" ? [] : ["--defrag-every", "1h"];

        var run = LeptonProcess.Run(["simulate", "jobs", "--cluster", $"{Example}/cluster.yaml", "--jobs", $"{Example}/jobs.yaml", .. every, option, value]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(expected, run.Stderr, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
