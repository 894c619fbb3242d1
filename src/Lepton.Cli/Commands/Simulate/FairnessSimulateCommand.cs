using System.CommandLine;
using System.Globalization;
using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Queueing;
using Lepton.Simulation.Experiments;
using Lepton.Simulation.Jobs;
using Lepton.Simulation.Traces;
using Spectre.Console;

namespace Lepton.Cli.Commands.Simulate;

/// <summary><c>lepton simulate fairness</c>: replays the Gavel per-team traces or the Philly subset under no quotas, hard
/// quotas and fair share with borrowing and reclaim, and prints per-team JCT and slowdown, Jain's index, GPU
/// utilisation and the longest wait.</summary>
internal static class FairnessSimulateCommand
{
    /// <summary>Builds the subcommand.</summary>
    public static Command Build()
    {
        var trace = new Option<string>("--trace") { Description = "gavel (a folder of per-team .trace files) or philly (the philly-subset folder).", Required = true };
        var path = new Option<string>("--path") { Description = "The folder (default ../shared/traces/gavel/msr/seed0 or ../shared/traces/philly-subset)." };
        var teams = new Option<string>("--teams") { Description = "vc_nodes.csv giving each team's node count (default: the philly-subset one next to the traces)." };
        var gpus = new Option<int>("--gpus") { Description = "Cluster GPUs (8-GPU nodes for philly; gavel: V100s). Default: gavel 500 (Gavel's Philly cluster), philly 256." };
        var maxJobs = new Option<int>("--max-jobs") { Description = "Only the first N jobs by arrival (0: all)." };
        var policy = new Option<string>("--policy") { Description = "Placement policy.", DefaultValueFactory = _ => "bestfit" };
        var queue = new Option<string>("--queue") { Description = "Queue discipline.", DefaultValueFactory = _ => QueueDiscipline.Default.Name };
        var command = new Command("fairness", "Replay per-team traces under no quotas, hard quotas and fair share (guarantees, borrowing, reclaim): per-team JCT, slowdown, Jain's index, utilisation.")
        {
            trace, path, teams, gpus, maxJobs, policy, queue,
        };
        command.SetAction((parse, _) =>
        {
            var kind = parse.GetValue(trace)!.Trim().ToLowerInvariant();
            if (kind is not ("gavel" or "philly"))
            {
                throw new CliError($"--trace: expected gavel or philly, not '{kind}'", 2);
            }

            if (!QueueDiscipline.TryParse(parse.GetValue(queue), out var discipline))
            {
                throw new CliError($"--queue: unknown queue discipline; valid: {string.Join(", ", QueueDiscipline.Names)}", 2);
            }

            var placement = PolicyRegistry.TryGet(parse.GetValue(policy)!, out var p) ? p : throw new CliError($"--policy: unknown policy '{parse.GetValue(policy)}'", 2);
            var folder = parse.GetValue(path) ?? (kind == "gavel" ? "../shared/traces/gavel/msr/seed0" : "../shared/traces/philly-subset");
            var limit = parse.GetValue(maxJobs);
            if (limit < 0 || parse.GetValue(gpus) < 0)
            {
                throw new CliError("--max-jobs and --gpus must not be negative", 2);
            }

            var (nodes, jobs, teamFile) = kind == "gavel"
                ? Gavel(folder, parse.GetValue(gpus) is > 0 and var g ? g : 500, parse.GetValue(teams))
                : Philly(folder, parse.GetValue(gpus) is > 0 and var h ? h : 256, parse.GetValue(teams));
            if (limit > 0)
            {
                jobs = [.. jobs.OrderBy(j => j.Arrival).Take(limit)];
            }

            var guarantees = Guarantees(jobs, PhillyTraceReader.ReadNodes(teamFile), nodes.Sum(n => n.GpuCount));
            Console.WriteLine($"{kind}: {jobs.Count} jobs of {guarantees.Count} teams on {nodes.Sum(n => n.GpuCount)} GPUs ({nodes.Count} nodes); queue {discipline.Name}, policy {placement.Name}");
            Console.WriteLine("guarantees (GPUs, proportional to the teams' Philly node counts; hard quotas use the same numbers): "
                + string.Join(", ", guarantees.OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}={g.Value}")));
            var runs = FairnessExperiment.Run(nodes, jobs, guarantees, placement, discipline);
            Print(runs);
            return Task.FromResult(0);
        });
        return command;
    }

    private static (IReadOnlyList<NodeSpec> Nodes, List<SimulatedJob> Jobs, string TeamFile) Gavel(string folder, int gpus, string? teamFile)
    {
        var files = Directory.Exists(folder) ? Directory.GetFiles(folder, "*.trace").Order(StringComparer.Ordinal).ToArray() : throw new CliError($"{folder}: no such folder");
        var throughputsPath = Path.Combine(folder, "..", "..", "simulation_throughputs.json");
        var throughputs = Read(() => GavelThroughputs.Load(throughputsPath));
        var jobs = new List<SimulatedJob>();
        foreach (var file in files)
        {
            var team = Path.GetFileNameWithoutExtension(file);
            foreach (var job in Read(() => GavelTraceReader.Read(file, throughputs)).Jobs)
            {
                // Gavel schedules in rounds, so its jobs are preemptible by design; reclaim needs that.
                jobs.Add(job with { Name = team + "/" + job.Name, Tenant = team, Replicas = [.. job.Replicas.Select(r => r with { Preemptible = true })] });
            }
        }

        var nodes = Read(() => ClusterSpecReader.Parse(gpus.ToString(CultureInfo.InvariantCulture) + ":0:0"));
        return (nodes, jobs, teamFile ?? Path.Combine(folder, "..", "..", "..", "philly-subset", "vc_nodes.csv"));
    }

    internal static (IReadOnlyList<NodeSpec> Nodes, List<SimulatedJob> Jobs, string TeamFile) Philly(string folder, int gpus, string? teamFile)
    {
        var jobs = PhillyTraceReader.ToSimulated(Read(() => PhillyTraceReader.Read(Path.Combine(folder, "train.csv"))));
        var nodes = new List<NodeSpec>();
        for (var i = 0; i < Math.Max(1, gpus / PhillyTraceReader.GpusPerNode); i++)
        {
            nodes.Add(new NodeSpec { Name = $"philly-{i}", CpuMilli = 64_000, MemoryMiB = 512 * 1024, GpuCount = PhillyTraceReader.GpusPerNode, GpuModel = "P100" });
        }

        return (nodes, [.. jobs], teamFile ?? Path.Combine(folder, "vc_nodes.csv"));
    }

    /// <summary>GPUs per team in proportion to its node count (a team the file does not list counts as one node).</summary>
    private static Dictionary<string, int> Guarantees(IReadOnlyList<SimulatedJob> jobs, IReadOnlyDictionary<string, int> nodes, int gpus)
    {
        var teams = jobs.Select(j => j.Tenant).Distinct().Order(StringComparer.Ordinal).ToList();
        var weight = teams.ToDictionary(t => t, t => nodes.TryGetValue(t, out var n) && n > 0 ? n : 1, StringComparer.Ordinal);
        var total = weight.Values.Sum();
        // At least one 8-GPU node each, so that a hard quota does not shut a small team out of its own jobs altogether.
        return teams.ToDictionary(t => t, t => Math.Max(PhillyTraceReader.GpusPerNode, (int)((long)gpus * weight[t] / total)), StringComparer.Ordinal);
    }

    private static void Print(IReadOnlyList<FairnessRun> runs)
    {
        var summary = new Table().AddColumns("mode", "GPU util", "Jain", "longest wait h", "unfinished", "preemptions", "makespan h");
        foreach (var run in runs)
        {
            summary.AddRow(run.Mode, F(run.GpuUtilisation, "0.000"), F(run.JainIndex, "0.000"), F(run.LongestWaitHours, "0.0"),
                run.Unfinished.ToString(CultureInfo.InvariantCulture), run.Preemptions.ToString(CultureInfo.InvariantCulture), F(run.MakespanHours, "0.0"));
        }

        AnsiConsole.Write(summary);
        var teams = new Table().AddColumn("team").AddColumn("jobs");
        foreach (var run in runs)
        {
            teams.AddColumn($"{run.Mode} JCT h").AddColumn($"{run.Mode} slowdown");
        }

        teams.AddColumn("fair ≤ hard JCT");
        foreach (var team in runs[0].Teams)
        {
            var row = new List<string> { team.Team, team.Jobs.ToString(CultureInfo.InvariantCulture) };
            foreach (var run in runs)
            {
                var t = run.Teams.First(x => x.Team == team.Team);
                row.Add(F(t.AvgJctHours, "0.00"));
                row.Add(F(t.AvgSlowdown, "0.00"));
            }

            var hard = runs[1].Teams.First(x => x.Team == team.Team);
            var fairJct = runs[2].Teams.First(x => x.Team == team.Team).AvgJctHours;
            row.Add(hard.Finished < hard.Jobs ? $"yes (hard: {hard.Jobs - hard.Finished} never ran)" : fairJct <= hard.AvgJctHours * 1.0001 ? "yes" : "no");
            teams.AddRow([.. row]);
        }

        AnsiConsole.Write(teams);
    }

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    private static T Read<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is TraceFormatException or IOException or FormatException or ArgumentException)
        {
            throw new CliError(e.Message);
        }
    }
}
