using System.Globalization;
using System.Text.Json;
using Lepton.Core.Placement;
using Lepton.Simulation.Traces;

namespace Lepton.Cli.Tests;

/// <summary>Runs <c>lepton simulate jobs</c> and <c>lepton simulate openb</c> as a user would and checks their files and errors.</summary>
public sealed class SimulateCommandTests : IDisposable
{
    private const string Example = "examples/jobs/longest-first";

    // One seed of one policy may stray from the median of the ten published seeds; their spread at 100 % arrived on the
    // default trace is under half a point, so a point and a half still catches a policy that places differently.
    private const double SingleSeedTolerancePp = 1.5;

    private readonly string _dir = Directory.CreateTempSubdirectory("lepton-simcli-").FullName;

    public static TheoryData<string, string> JobFilesAndPolicies => new()
    {
        { "jobs.yaml", "bestfit" },
        { "jobs.csv", "bestfit" },
        { "jobs.yaml", "spread" },
        { "jobs.csv", "random" },
    };

    public static TheoryData<string[], string[]> UsageErrors => new()
    {
        { ["simulate", "openb", "--policy", "nope", "--seeds", "42"], ["--policy", "'nope'", .. PolicyRegistry.Names] },
        { ["simulate", "openb", "--policy", "bestfit,nope", "--seeds", "42"], ["--policy", "'nope'", .. PolicyRegistry.Names] },
        { ["simulate", "jobs", "--cluster", $"{Example}/cluster.yaml", "--jobs", $"{Example}/jobs.yaml", "--policy", "nope"], ["--policy", "'nope'", .. PolicyRegistry.Names] },
        { ["simulate", "jobs", "--cluster", $"{Example}/cluster.yaml", "--jobs", $"{Example}/jobs.yaml", "--order", "nope"], ["--order", "'nope'", "fifo", "longest-first"] },
        { ["simulate", "jobs", "--cluster", $"{Example}/cluster.yaml", "--jobs", $"{Example}/jobs.yaml", "--queue", "easy,lifo"], ["--queue", "'lifo'", "fifo", "priority-backfill", "easy"] },
        { ["simulate", "jobs", "--cluster", $"{Example}/cluster.yaml", "--jobs", $"{Example}/jobs.yaml", "--window", "5h-2h"], ["--window", "'5h-2h'"] },
        { ["simulate", "jobs", "--cluster", $"{Example}/cluster.yaml", "--jobs", $"{Example}/jobs.yaml", "--quota", "team"], ["--quota", "'team'"] },
        { ["simulate", "jobs", "--cluster", $"{Example}/cluster.yaml", "--jobs", $"{Example}/jobs.yaml", "--seeds", "x"], ["--seeds"] },
        { ["simulate", "jobs", "--cluster", $"{Example}/cluster.yaml", "--jobs", $"{Example}/jobs.yaml", "--power-down", "600", "--power-keep-on", "-1"], ["--power-keep-on"] },
        { ["simulate", "openb", "--trace", "nope", "--policy", "bestfit", "--seeds", "42"], ["--trace", "'nope'", .. OpenbWorkloadNames()] },
        { ["simulate", "openb", "--policy", "bestfit", "--seeds", "51-42"], ["--seeds", "'51-42'"] },
        { ["simulate", "openb", "--policy", "bestfit", "--seeds", "1-200000"], ["--seeds", "'1-200000'"] },
        { ["simulate", "openb", "--policy", "bestfit", "--seeds", "42-x"], ["--seeds", "'x'"] },
        { ["simulate", "openb", "--policy", "bestfit", "--seeds", "42-"], ["--seeds", "'42-'"] },
        { ["simulate", "openb", "--policy", "bestfit", "--seeds", ","], ["--seeds"] },
        { ["simulate", "openb", "--policy", "bestfit", "--seeds", "42", "--tune", "0"], ["--tune"] },
    };

    public static TheoryData<string[], string> MissingFiles => new()
    {
        { ["simulate", "jobs", "--cluster", "no-such-cluster.yaml", "--jobs", $"{Example}/jobs.yaml"], "no-such-cluster.yaml" },
        { ["simulate", "jobs", "--cluster", $"{Example}/cluster.yaml", "--jobs", "no-such-jobs.yaml"], "no-such-jobs.yaml" },
        { ["simulate", "jobs", "--cluster", $"{Example}/cluster.yaml", "--jobs", "no-such-jobs.csv"], "no-such-jobs.csv" },
        { ["simulate", "openb", "--nodes", "no-such-nodes.yaml", "--policy", "bestfit", "--seeds", "42"], "no-such-nodes.yaml" },
    };

    /// <summary>A file with one bad line: the subcommand that reads it, its name and text, and the line and field the error must name.</summary>
    public static TheoryData<string, string, string, int, string> MalformedFiles => new()
    {
        { "jobs", "jobs.csv", "name,arrival,duration,cost\njob-1,0,2h,10\njob-2,0,soon,10\n", 3, "duration" },
        { "jobs", "jobs.csv", "name,arrival,duration,cost\njob-1,0,2h,10\njob-2,0,2h,ten\n", 3, "cost" },
        { "jobs", "jobs.csv", "name,arrival,duration,cost\njob-1,0,2h,10\n,0,2h,10\n", 3, "name" },
        { "jobs", "jobs.csv", "name,arrival,duration,num_gpu\njob-1,0,2h,1\njob-2,0,2h,-1\n", 3, "num_gpu" },
        { "jobs", "jobs.csv", "name,arrival,cost\njob-1,0,10\n", 1, "duration" },
        { "jobs", "jobs.yaml", "jobs:\n  - name: a\n    duration: 2h\n  - name: b\n    duration: soon\n", 5, "duration" },
        { "jobs", "jobs.yaml", "jobs:\n  - name: a\n    duration: 2h\n    resources: {cpu: lots}\n", 4, "resources.cpu" },
        { "jobs", "jobs.yaml", "jobs:\n  - name: a\n    duration: 2h\n    bogus: 1\n", 4, "bogus" },
        { "openb", "pods.csv", "name,cpu_milli,memory_mib,num_gpu,gpu_milli\np1,1000,100,1,500\np2,abc,100,1,500\n", 3, "cpu_milli" },
    };

    [Theory]
    [MemberData(nameof(JobFilesAndPolicies))]
    public void Jobs_LongestFirstExample_Makespan7HoursUtilisation25Of28Cost160(string jobsFile, string policy)
    {
        var jsonPath = Path.Combine(_dir, "result.json");

        var run = LeptonProcess.Run("simulate", "jobs", "--cluster", $"{Example}/cluster.yaml", "--jobs", $"{Example}/{jobsFile}",
            "--policy", policy, "--order", "longest-first", "--json", jsonPath);

        Assert.True(run.ExitCode == 0, run.Stderr);
        using var json = JsonDocument.Parse(File.ReadAllText(jsonPath));
        var root = json.RootElement;
        Assert.Equal(policy, root.GetProperty("policy").GetString());
        Assert.Equal("longest-first", root.GetProperty("order").GetString());
        Assert.Equal(10, root.GetProperty("jobs").GetInt32());
        Assert.Equal(10, root.GetProperty("completed").GetInt32());
        Assert.Equal(7, root.GetProperty("makespanHours").GetDouble(), 9);
        var gpu = root.GetProperty("utilisationPct").GetProperty("gpu").GetDouble();
        Assert.Equal(25.0 / 28 * 100, gpu, 9);
        Assert.Equal("89.3", gpu.ToString("F1", CultureInfo.InvariantCulture));
        Assert.Equal(160, root.GetProperty("jobCost").GetDouble(), 9);

        // The per-job schedule must add up to the headline: 25 machine-hours of work, never more than the four machines at once.
        var jobs = root.GetProperty("perJob").EnumerateArray()
            .Select(j => (Start: j.GetProperty("startHours").GetDouble(), Finish: j.GetProperty("finishHours").GetDouble()))
            .ToList();
        Assert.Equal(25, jobs.Sum(j => j.Finish - j.Start), 9);
        Assert.Equal(7, jobs.Max(j => j.Finish), 9);
        Assert.All(jobs, j => Assert.True(jobs.Count(o => o.Start <= j.Start && j.Start < o.Finish) <= 4, $"more than 4 jobs run at {j.Start} h"));
        Assert.Contains("89.3 %", run.Stdout);
    }

    [Fact]
    public void Jobs_TwoPoliciesTwoQueuesTwoSeeds_SweepJsonAndReportCompareThem()
    {
        var jsonPath = Path.Combine(_dir, "sweep.json");
        var reportPath = Path.Combine(_dir, "sweep.html");

        var run = LeptonProcess.Run("simulate", "jobs", "--cluster", $"{Example}/cluster.yaml", "--jobs", $"{Example}/jobs.csv",
            "--policy", "bestfit,random", "--queue", "priority-backfill,easy", "--seeds", "1-2", "--window", "1h-5h", "--json", jsonPath, "--report", reportPath);

        Assert.True(run.ExitCode == 0, run.Stderr);
        using var json = JsonDocument.Parse(File.ReadAllText(jsonPath));
        var runs = json.RootElement.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(8, runs.Count);
        Assert.All(runs, r => Assert.Equal(1, r.GetProperty("metrics").GetProperty("windowStartHours").GetDouble()));
        var summary = json.RootElement.GetProperty("summary").EnumerateArray().ToList();
        Assert.Equal(["bestfit/priority-backfill", "bestfit/easy", "random/priority-backfill", "random/easy"],
            summary.Select(s => $"{s.GetProperty("policy").GetString()}/{s.GetProperty("queue").GetString()}"));
        var makespan = summary[0].GetProperty("metrics").GetProperty("makespanHours");
        Assert.True(makespan.GetProperty("low95").GetDouble() <= makespan.GetProperty("median").GetDouble());
        var html = File.ReadAllText(reportPath);
        Assert.Contains("random / easy", html, StringComparison.Ordinal);
        Assert.Contains("gang wait", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("random / easy", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Jobs_OneRun_PrintsPercentilesAndWritesMetrics()
    {
        var jsonPath = Path.Combine(_dir, "one.json");

        var run = LeptonProcess.Run("simulate", "jobs", "--cluster", $"{Example}/cluster.yaml", "--jobs", $"{Example}/jobs.yaml", "--queue", "easy", "--json", jsonPath);

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("completion time p50 / p90 / p99", run.Stdout, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(File.ReadAllText(jsonPath));
        Assert.Equal("easy", json.RootElement.GetProperty("queue").GetString());
        Assert.Equal(10, json.RootElement.GetProperty("metrics").GetProperty("overall").GetProperty("completionHours").GetProperty("count").GetInt32());
    }

    [Fact]
    public void Jobs_PowerDownKeepingOneOn_PrintsEnergyAndDelayAgainstAlwaysOn()
    {
        var run = LeptonProcess.Run("simulate", "jobs", "--cluster", $"{Example}/cluster.yaml", "--jobs", $"{Example}/jobs.yaml",
            "--power-down", "60", "--wake-delay", "30", "--power-keep-on", "1");

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("power-down after 60 s idle, wake-up 30 s", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("jobs delayed by power-down", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Openb_DefaultTraceOneSeed_JsonAndCsvMatchPublishedShapeAndMedian()
    {
        var jsonPath = Path.Combine(_dir, "sweep.json");
        var csvPath = Path.Combine(_dir, "sweep.csv");
        string[] policies = ["bestfit", "fgd"];

        var run = LeptonProcess.Run("simulate", "openb", "--trace", "default", "--policy", string.Join(',', policies), "--seeds", "42",
            "--json", jsonPath, "--csv", csvPath);

        Assert.True(run.ExitCode == 0, run.Stderr);
        var published = PublishedAllocation.Load();
        using var json = JsonDocument.Parse(File.ReadAllText(jsonPath));
        var root = json.RootElement;
        Assert.Equal("default", root.GetProperty("trace").GetString());

        var runs = root.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(policies, runs.Select(r => r.GetProperty("policy").GetString()).Order());
        var ourAt100 = new Dictionary<string, double>();
        foreach (var r in runs)
        {
            var policy = r.GetProperty("policy").GetString()!;
            Assert.Equal("default", r.GetProperty("trace").GetString());
            Assert.Equal(42, r.GetProperty("seed").GetInt32());
            var allocation = Grid(r.GetProperty("allocationPct"), "90", "100", "110", "130");
            var fragmentation = Grid(r.GetProperty("fragmentationPct"), "90", "100", "110", "130");
            Assert.True(allocation[0] <= 90.01 && allocation[0] > 85, $"{policy}: {allocation[0]} % allocated at 90 % arrived");
            Assert.Equal(allocation.Order(), allocation);
            Assert.All(allocation, a => Assert.InRange(a, 0, 100));
            Assert.All(fragmentation, f => Assert.InRange(f, 0, 100));
            var median = published.MedianAt100("openb_pod_list_default", policy);
            Assert.True(Math.Abs(allocation[1] - median) <= SingleSeedTolerancePp,
                $"{policy}: {allocation[1]} % allocated at 100 % arrived, published median {median} %");
            ourAt100[policy] = allocation[1];
        }

        var summary = root.GetProperty("summary").EnumerateArray().ToList();
        Assert.Equal(policies, summary.Select(s => s.GetProperty("policy").GetString()).Order());
        foreach (var s in summary)
        {
            var policy = s.GetProperty("policy").GetString()!;
            Assert.Equal("default", s.GetProperty("trace").GetString());
            var at100 = s.GetProperty("allocationPctAt100");
            // One seed: its median, minimum and maximum are that run's value.
            foreach (var stat in new[] { "median", "min", "max" })
            {
                Assert.Equal(ourAt100[policy], at100.GetProperty(stat).GetDouble(), 9);
            }

            Assert.Equal(published.MedianAt100("openb_pod_list_default", policy), s.GetProperty("publishedMedianAt100").GetDouble(), 2);
        }

        var lines = File.ReadAllLines(csvPath);
        Assert.Equal(published.Header, lines[0]);
        var header = lines[0].Split(',');
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(policies.Length, rows.Count);
        foreach (var row in rows)
        {
            Assert.Equal(header.Length, row.Length);
            var policy = row[Array.IndexOf(header, "sc_policy")];
            Assert.Equal("42", row[Array.IndexOf(header, "seed")]);
            Assert.Equal(published.TotalGpus("openb_pod_list_default"), row[Array.IndexOf(header, "total_gpus")]);
            Assert.Equal(ourAt100[policy], double.Parse(row[Array.IndexOf(header, "100")], CultureInfo.InvariantCulture), 2);
        }
    }

    [Fact]
    public void Openb_SeedRangeEndingAtIntMax_RunsThatOneSeed()
    {
        var jsonPath = Path.Combine(_dir, "sweep.json");

        var run = LeptonProcess.Run("simulate", "openb", "--trace", "default", "--policy", "bestfit", "--tune", "0.1",
            "--seeds", $"{int.MaxValue}-{int.MaxValue}", "--json", jsonPath);

        Assert.True(run.ExitCode == 0, run.Stderr);
        using var json = JsonDocument.Parse(File.ReadAllText(jsonPath));
        var seed = Assert.Single(json.RootElement.GetProperty("runs").EnumerateArray()).GetProperty("seed").GetInt32();
        Assert.Equal(int.MaxValue, seed);
    }

    [Theory]
    [MemberData(nameof(UsageErrors))]
    public void Simulate_BadArgument_ExitTwoWithOneLineNamingTheChoices(string[] args, string[] expected)
    {
        var run = LeptonProcess.Run(args);

        Assert.Equal(2, run.ExitCode);
        var line = OneErrorLine(run);
        Assert.All(expected, e => Assert.Contains(e, line));
    }

    [Theory]
    [MemberData(nameof(MissingFiles))]
    public void Simulate_MissingFile_ExitOneWithOneLineNamingTheFile(string[] args, string file)
    {
        var run = LeptonProcess.Run(args);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains(file, OneErrorLine(run));
    }

    [Theory]
    [MemberData(nameof(MalformedFiles))]
    public void Simulate_MalformedFileLine_ExitOneNamingFileLineAndField(string subcommand, string fileName, string content, int line, string field)
    {
        var path = Path.Combine(_dir, fileName);
        File.WriteAllText(path, content);
        string[] args = subcommand == "jobs"
            ? ["simulate", "jobs", "--cluster", $"{Example}/cluster.yaml", "--jobs", path]
            : ["simulate", "openb", "--trace", path, "--policy", "bestfit", "--seeds", "42"];

        var run = LeptonProcess.Run(args);

        Assert.Equal(1, run.ExitCode);
        var error = OneErrorLine(run);
        Assert.Contains($"{path}:{line.ToString(CultureInfo.InvariantCulture)}: {field}: ", error);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string OneErrorLine(LeptonProcess.Result run)
    {
        Assert.Equal("", run.Stdout);
        var line = Assert.Single(run.Stderr.TrimEnd().Split('\n'));
        Assert.StartsWith("error: ", line);
        Assert.DoesNotContain("Exception", line);
        return line;
    }

    private static double[] Grid(JsonElement grid, params string[] keys) => [.. keys.Select(k => grid.GetProperty(k).GetDouble())];

    private static string[] OpenbWorkloadNames() =>
        [.. Directory.EnumerateFiles(Path.Combine(TraceRoot(), "openb"), "openb_pod_list_*.csv")
            .Select(f => Path.GetFileNameWithoutExtension(f)["openb_pod_list_".Length..])];

    private static string TraceRoot() =>
        TraceDirectory.Find(AppContext.BaseDirectory) ?? throw new DirectoryNotFoundException("this test reads the public traces; " + TraceDirectory.MissingMessage);

    /// <summary>The published <c>analysis_allo_discrete.csv</c>, read here independently of the simulator's own reader.</summary>
    private sealed class PublishedAllocation
    {
        private readonly string[] _columns;
        private readonly List<string[]> _rows;

        private PublishedAllocation(string header, List<string[]> rows)
        {
            Header = header;
            _columns = header.Split(',');
            _rows = rows;
        }

        public string Header { get; }

        public static PublishedAllocation Load()
        {
            var lines = File.ReadAllLines(Path.Combine(TraceRoot(), "openb", "fgd-published", "analysis_allo_discrete.csv"));
            return new PublishedAllocation(lines[0], [.. lines.Skip(1).Where(l => l.Length > 0).Select(l => l.Split(','))]);
        }

        /// <summary>Median over the published seeds at 100 % arrived; published policies are named like <c>05-BestFit</c>.</summary>
        public double MedianAt100(string workload, string policy)
        {
            var column = Array.IndexOf(_columns, "100");
            var values = Rows(workload)
                .Where(r => r[1][(r[1].IndexOf('-') + 1)..].Equals(policy, StringComparison.OrdinalIgnoreCase))
                .Select(r => double.Parse(r[column], CultureInfo.InvariantCulture))
                .Order()
                .ToArray();
            Assert.NotEmpty(values);
            return values.Length % 2 == 1 ? values[values.Length / 2] : (values[(values.Length / 2) - 1] + values[values.Length / 2]) / 2;
        }

        public string TotalGpus(string workload) => Rows(workload).Select(r => r[Array.IndexOf(_columns, "total_gpus")]).Distinct().Single();

        private IEnumerable<string[]> Rows(string workload) => _rows.Where(r => r[0] == workload);
    }
}
