using System.CommandLine;
using System.Globalization;
using Lepton.Core.Placement;
using Lepton.Core.Queueing;
using Lepton.Core.Resources;
using Lepton.Simulation.Jobs;
using Lepton.Simulation.Reports;
using Lepton.Simulation.Traces;
using Spectre.Console;

namespace Lepton.Cli.Commands.Simulate;

/// <summary><c>lepton simulate jobs</c>: replays a job trace (arrivals, durations) on a cluster through the server's queue
/// planner, with one or several policies, queue disciplines and seeds, and reports the metrics that tell them apart.</summary>
internal static class JobsSimulateCommand
{
    /// <summary>Builds the subcommand.</summary>
    public static Command Build()
    {
        var cluster = new Option<string>("--cluster")
        {
            Description = "Node file (Lepton YAML or openb-style CSV), Gavel's cluster_specs*.json, or a spec like v100:300,p100:300,k80:300 or 300:300:300.",
            Required = true,
        };
        var jobs = new Option<string>("--jobs") { Description = "Job trace (see README: Lepton YAML/CSV, openb, gavel, alibaba-dlrm).", Required = true };
        var format = new Option<string>("--format") { Description = $"Trace format: {string.Join(", ", JobTraceFormats.All)}; default: guessed from the file." };
        var throughputs = new Option<string>("--throughputs") { Description = "Gavel's simulation_throughputs.json (default: found next to the trace or above it)." };
        var allowUnschedulable = new Option<bool>("--allow-unschedulable") { Description = "Run even when some jobs can never fit on the cluster (they are reported)." };
        var policy = new Option<string>("--policy") { Description = "Placement policies, comma-separated (see lepton policies), or all.", DefaultValueFactory = _ => "bestfit" };
        var queue = new Option<string>("--queue")
        {
            Description = $"Queue disciplines of the planner, comma-separated: {string.Join(", ", QueueDiscipline.Names)} (as lepton serve --queue).",
            DefaultValueFactory = _ => QueueDiscipline.Default.Name,
        };
        var order = new Option<string>("--order") { Description = "Override the queue's order: fifo (arrival), priority, longest-first or shortest-first." };
        var seed = new Option<int>("--seed") { Description = "Seed for tie-breaks and the random policy.", DefaultValueFactory = _ => 42 };
        var seeds = new Option<string>("--seeds") { Description = "Several seeds (42-51, 1,2,3): one run each, summarised by median and 95 % interval." };
        var window = new Option<string>("--window") { Description = "Time window for the utilisation and fragmentation means, START-END (e.g. 10h-50h; plain numbers are seconds)." };
        var quota = new Option<string>("--quota") { Description = "GPU quota per tenant, TENANT=GPUS[,TENANT=GPUS] (a hard cap, as the server's tenant quotas)." };
        var parallel = new Option<int>("--parallel") { Description = "Runs at once in a sweep (default: one per core)." };
        var json = new Option<string>("--json") { Description = "Write the metrics, every job and the timeline (a sweep: every run and the summary) as JSON to this file." };
        var report = new Option<string>("--report") { Description = "Write a self-contained HTML report to this file (a sweep: the policies side by side)." };
        var network = new Option<string>("--network") { Description = "Network model file (topology levels, uplinks; see README). Default: the built-in model when any job asks for topology, data or latency." };

        var powerDown = new Option<double?>("--power-down") { Description = "Power nodes off after this many seconds idle and wake them for the queue; prints energy saved against always-on and the queueing delay added." };
        var wakeDelay = new Option<double>("--wake-delay") { Description = "Seconds a woken node takes to take work (with --power-down).", DefaultValueFactory = _ => 180 };
        var keepOn = new Option<int>("--power-keep-on") { Description = "Nodes kept on however idle (with --power-down).", DefaultValueFactory = _ => 0 };
        var standbyWatts = new Option<double>("--standby-watts") { Description = "Watts an off node draws (with --power-down; a node file's standby figure wins).", DefaultValueFactory = _ => 0 };
        var defragEvery = new Option<string>("--defrag-every") { Description = "Run a consolidation plan (as lepton defrag) this often while jobs wait (e.g. 1h, 600); prints allocation, queueing and the moved jobs' completion times against no defrag." };
        var defragMaxMoves = new Option<int>("--defrag-max-moves") { Description = "Most jobs moved per consolidation round (with --defrag-every).", DefaultValueFactory = _ => 10 };
        var defragMoveCost = new Option<string>("--defrag-move-cost") { Description = "Time a moved job makes no progress (checkpoint and restore; with --defrag-every), e.g. 300 or 5m.", DefaultValueFactory = _ => "300" };
        var defragGoal = new Option<string>("--defrag-goal") { Description = "What consolidation frees: gpus (whole GPUs) or nodes (whole nodes).", DefaultValueFactory = _ => "gpus" };
        var defragMovable = new Option<string>("--defrag-movable") { Description = "Which one-replica jobs may move: preemptible (as the server) or all.", DefaultValueFactory = _ => "preemptible" };
        var defragWork = new Option<string>("--defrag-work") { Description = "A moved job keeps its work (keep: checkpoint and restore) or starts over (restart, as the server's requeue).", DefaultValueFactory = _ => "keep" };
        var defragWhen = new Option<string>("--defrag-when") { Description = "Carry out a round's moves only when a waiting job then fits (useful) or whenever a job waits (waiting).", DefaultValueFactory = _ => "useful" };
        var command = new Command("jobs", "Replay a job trace over time through the server's queue planner: jobs arrive, queue, run for their duration and leave.")
        {
            cluster, jobs, policy, queue, order, seed, seeds, window, quota, parallel, json, report, format, throughputs, allowUnschedulable,
            powerDown, wakeDelay, standbyWatts, keepOn, network, defragEvery, defragMaxMoves, defragMoveCost, defragGoal, defragMovable, defragWork, defragWhen,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var policies = ResolvePolicies(parse.GetValue(policy)!);
            var queues = ResolveQueues(parse.GetValue(queue)!, parse.GetValue(order));
            var seedList = parse.GetValue(seeds) is { } seedText ? SeedList.Parse(seedText) : [parse.GetValue(seed)];
            var (windowStart, windowEnd) = ParseWindow(parse.GetValue(window));
            var quotas = ParseQuotas(parse.GetValue(quota));
            if (parse.GetValue(parallel) < 0)
            {
                throw new CliError("--parallel must be 0 (one run per core) or more", 2);
            }

            // Checked with the other arguments, before any file is read.
            var down = PowerDownComparison.Options(parse.GetValue(powerDown), parse.GetValue(wakeDelay), parse.GetValue(standbyWatts), parse.GetValue(keepOn));
            var defrag = DefragComparison.Options(parse.GetValue(defragEvery), parse.GetValue(defragMaxMoves), parse.GetValue(defragMoveCost)!,
                parse.GetValue(defragGoal)!, parse.GetValue(defragMovable)!, parse.GetValue(defragWork)!, parse.GetValue(defragWhen)!);
            var clusterPath = parse.GetValue(cluster)!;
            var jobsPath = parse.GetValue(jobs)!;
            var nodes = Read(() => NodeFileReader.ReadCluster(clusterPath));
            var trace = Read(() => JobFileReader.ReadTrace(jobsPath, new JobTraceOptions { Format = parse.GetValue(format), ThroughputsPath = parse.GetValue(throughputs) }));
            var jobList = trace.Jobs;
            CheckTrace(trace, nodes, parse.GetValue(allowUnschedulable));

            if (policies.Count == 1 && queues.Count == 1 && seedList.Count == 1)
            {
                var model = TopologyOutput.Network(parse.GetValue(network), jobList);
                var runOptions = new JobSimulationOptions
                {
                    Discipline = queues[0], Seed = seedList[0], Quotas = quotas, PowerDown = down?.Options, PowerModel = down?.Model,
                    Network = model, Defrag = defrag,
                };
                var result = JobSimulation.Run(nodes, jobList, policies[0], runOptions);
                var metrics = JobMetrics.Of(result, windowStart, windowEnd);
                Print(result, metrics);
                if (model is not null)
                {
                    TopologyOutput.Print([(result.Policy, Lepton.Simulation.Topology.TopologySummary.Of("topology-aware", result, jobList))], jobList.Count);
                }

                if (down is not null)
                {
                    PowerDownComparison.Print(result, JobSimulation.Run(nodes, jobList, policies[0], runOptions with { PowerDown = null }), down.Value.Options);
                }

                if (defrag is not null)
                {
                    var without = JobSimulation.Run(nodes, jobList, policies[0], runOptions with { Defrag = null });
                    // Both runs over one window (by default from the first arrival to the later of the two last finishes).
                    var from = windowStart ?? (result.Start < without.Start ? result.Start : without.Start);
                    var to = windowEnd ?? (result.End > without.End ? result.End : without.End);
                    DefragComparison.Print(result, JobMetrics.Of(result, from, to), without, JobMetrics.Of(without, from, to), defrag);
                }

                if (parse.GetValue(json) is { } jsonPath)
                {
                    Write(jsonPath, JobsJsonReport.Render(result, metrics));
                }

                if (parse.GetValue(report) is { } reportPath)
                {
                    Write(reportPath, JobsHtmlReport.Render(result, Path.GetFileName(clusterPath), Path.GetFileName(jobsPath), metrics));
                }

                return Task.FromResult(0);
            }

            if (quotas.Count > 0 || down is not null || defrag is not null)
            {
                throw new CliError((down is not null ? "--power-down" : defrag is not null ? "--defrag-every" : "--quota") + " works with one run only (one policy, one queue, one seed)", 2);
            }

            var total = policies.Count * queues.Count * seedList.Count;
            var runs = SweepProgress.Track("runs", total, tick =>
                JobSweep.Run(nodes, jobList, policies, queues, seedList, windowStart, windowEnd, parse.GetValue(parallel), _ => tick(), cancellationToken));
            var summaries = JobSweep.Summarise(runs);
            PrintSweep(summaries, seedList.Count);
            if (parse.GetValue(json) is { } sweepJson)
            {
                Write(sweepJson, JobsJsonReport.RenderSweep(runs, summaries));
            }

            if (parse.GetValue(report) is { } sweepReport)
            {
                Write(sweepReport, JobsSweepHtmlReport.Render(runs, summaries, Path.GetFileName(clusterPath), Path.GetFileName(jobsPath)));
            }

            return Task.FromResult(0);
        });
        return command;
    }

    private static List<PlacementPolicy> ResolvePolicies(string text)
    {
        var names = string.Equals(text.Trim(), "all", StringComparison.OrdinalIgnoreCase)
            ? PolicyRegistry.Names
            : text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var result = new List<PlacementPolicy>();
        foreach (var name in names.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            result.Add(PolicyRegistry.TryGet(name, out var p)
                ? p
                : throw new CliError($"--policy: unknown policy '{name}'; valid: {string.Join(", ", PolicyRegistry.Names)}", 2));
        }

        return result.Count > 0 ? result : throw new CliError("--policy: give at least one policy", 2);
    }

    private static List<QueueDiscipline> ResolveQueues(string text, string? orderText)
    {
        QueueOrder? order = null;
        if (orderText is not null)
        {
            if (!QueueDiscipline.TryParseOrder(orderText, out var parsed))
            {
                throw new CliError($"--order: unknown order '{orderText}'; valid: fifo, priority, longest-first, shortest-first", 2);
            }

            order = parsed;
        }

        var result = new List<QueueDiscipline>();
        foreach (var name in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            if (!QueueDiscipline.TryParse(name, out var discipline))
            {
                throw new CliError($"--queue: unknown queue discipline '{name}'; valid: {string.Join(", ", QueueDiscipline.Names)}", 2);
            }

            result.Add(order is { } o ? discipline.WithOrder(o) : discipline);
        }

        return result.Count > 0 ? result : throw new CliError("--queue: give at least one queue discipline", 2);
    }

    private static (TimeSpan? Start, TimeSpan? End) ParseWindow(string? text)
    {
        if (text is null)
        {
            return (null, null);
        }

        var dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash <= 0 || !SimulatedDuration.TryParse(text[..dash], out var start) || !SimulatedDuration.TryParse(text[(dash + 1)..], out var end) || end <= start)
        {
            throw new CliError($"--window: '{text}' is not START-END with START < END (e.g. 10h-50h)", 2);
        }

        return (start, end);
    }

    private static Dictionary<string, ResourceVector> ParseQuotas(string? text)
    {
        var result = new Dictionary<string, ResourceVector>(StringComparer.Ordinal);
        if (text is null)
        {
            return result;
        }

        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || !int.TryParse(part[(eq + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var gpus) || gpus > 1_000_000)
            {
                throw new CliError($"--quota: '{part}' is not TENANT=GPUS (e.g. team-a=8)", 2);
            }

            // Only GPUs are capped; the other resources are left unlimited.
            const long unlimited = long.MaxValue / 4;
            result[part[..eq]] = new ResourceVector(unlimited, unlimited, gpus * 1000L, unlimited, unlimited);
        }

        return result;
    }

    private static T Read<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (TraceFormatException e)
        {
            throw new CliError(e.Message);
        }
        catch (FileNotFoundException e)
        {
            throw new CliError(e.Message);
        }
        catch (ArgumentException e)
        {
            throw new CliError(e.Message);
        }
        catch (FormatException e)
        {
            throw new CliError(e.Message);
        }
    }

    /// <summary>Says what was read (format, rows that never ran, censored jobs) and stops on jobs that can never run.</summary>
    private static void CheckTrace(JobTrace trace, IReadOnlyList<Lepton.Core.Cluster.NodeSpec> nodes, bool allowUnschedulable)
    {
        AnsiConsole.MarkupLine(Invariant($"read {trace.Jobs.Count} jobs ({trace.Format}) for {nodes.Count} nodes"));
        if (trace.NeverRan.Count > 0)
        {
            var reasons = trace.NeverRan.GroupBy(n => n.Reason).Select(g => Invariant($"{g.Count()} {g.Key}"));
            AnsiConsole.MarkupLine(Markup.Escape(Invariant($"not replayed: {trace.NeverRan.Count} rows never ran in the trace ({string.Join("; ", reasons)})")));
        }

        if (trace.Censored > 0)
        {
            AnsiConsole.MarkupLine(Invariant($"censored: {trace.Censored} jobs were still running when the trace ended; they run until its last recorded time"));
        }

        var unschedulable = UnschedulableJobs.Find(nodes, trace.Jobs);
        if (unschedulable.Count == 0)
        {
            return;
        }

        var lines = unschedulable.Take(5).Select(u => $"job '{u.Job.Name}' (line {u.Job.Line}) can never run on this cluster: {u.Reason}");
        var more = unschedulable.Count > 5 ? Invariant($"\n... and {unschedulable.Count - 5} more") : "";
        if (!allowUnschedulable)
        {
            throw new CliError(string.Join('\n', lines) + more + "\n(--allow-unschedulable runs the rest and reports these as never started)");
        }

        AnsiConsole.MarkupLine(Markup.Escape(Invariant($"warning: {unschedulable.Count} jobs can never run on this cluster; the first: {lines.First()}")));
    }

    private static void Print(JobSimulationResult result, JobMetrics metrics)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .Title(Invariant($"[bold]{result.Jobs.Count} jobs[/], policy {Markup.Escape(result.Policy)}, queue {Markup.Escape(result.Discipline.Name)}"))
            .AddColumn("metric").AddColumn(new TableColumn("value").RightAligned());
        table.AddRow("jobs completed", Invariant($"{result.Completed} of {result.Jobs.Count}"));
        table.AddRow("makespan", Hours(result.Makespan));
        table.AddRow("average completion time", Hours(result.AverageCompletionTime));
        var jct = metrics.Overall.CompletionHours;
        table.AddRow("completion time p50 / p90 / p99", Invariant($"{Num(jct.P50)} / {Num(jct.P90)} / {Num(jct.P99)} h"));
        table.AddRow("average queueing delay", Hours(result.AverageQueueingDelay));
        var wait = metrics.Overall.QueueingDelayHours;
        table.AddRow("queueing delay p50 / p90 / p99", Invariant($"{Num(wait.P50)} / {Num(wait.P90)} / {Num(wait.P99)} h"));
        table.AddRow("slowdown mean / p99", Invariant($"{Num(metrics.Overall.Slowdown.Mean)} / {Num(metrics.Overall.Slowdown.P99)}"));
        if (metrics.GangWaitHours.Count > 0)
        {
            table.AddRow("gang wait mean / p90", Invariant($"{Num(metrics.GangWaitHours.Mean)} / {Num(metrics.GangWaitHours.P90)} h"));
        }

        if (metrics.JobsWithDeadline > 0)
        {
            table.AddRow("SLO misses", Invariant($"{metrics.SloMisses} of {metrics.JobsWithDeadline}"));
        }

        if (metrics.Preemptions > 0)
        {
            table.AddRow("preemptions", Invariant($"{metrics.Preemptions}"));
        }

        var u = result.Utilisation;
        foreach (var (name, value) in new[] { ("GPU", u.GpuPct), ("CPU", u.CpuPct), ("memory", u.MemoryPct), ("FPGA", u.FpgaPct), ("network", u.NetworkPct) })
        {
            if (!double.IsNaN(value))
            {
                table.AddRow($"{name} utilisation", Invariant($"{value:F1} %"));
            }
        }

        if (result.TotalGpus > 0)
        {
            var w = Invariant($"{metrics.WindowStart.TotalHours:0.##}–{metrics.WindowEnd.TotalHours:0.##} h");
            table.AddRow($"GPU allocation over {w}", Invariant($"{metrics.GpuAllocationPct:F1} %"));
            table.AddRow($"fragmentation (FGD) over {w}", Invariant($"{metrics.FragmentationPct:F1} % of idle ({metrics.FragmentedGpus:0.##} GPUs)"));
            table.AddRow($"stranded GPUs over {w}", Invariant($"{metrics.StrandedGpus:0.##}"));
        }

        table.AddRow("cluster cost (price × makespan)", Invariant($"{result.ClusterCost:F2}"));
        if (result.JobCost is { } jobCost)
        {
            table.AddRow("total job cost", Invariant($"{jobCost:0.##}"));
        }

        table.AddRow("energy", Invariant($"{result.EnergyKWh:F2} kWh"));
        AnsiConsole.Write(table);
        if (metrics.ByTenant.Count > 1 || metrics.BySize.Count > 1 || metrics.ByGpuModel.Count > 1)
        {
            var groups = new Table().Border(TableBorder.Rounded).Title("[bold]per group[/] (hours; slowdown = JCT / run time on the fastest model)")
                .AddColumn("group").AddColumn(new TableColumn("jobs").RightAligned()).AddColumn(new TableColumn("queueing p50/p90/p99").RightAligned())
                .AddColumn(new TableColumn("JCT p50/p90/p99").RightAligned()).AddColumn(new TableColumn("slowdown mean").RightAligned());
            foreach (var (prefix, list) in new[] { ("tenant ", metrics.ByTenant), ("size ", metrics.BySize), ("model ", metrics.ByGpuModel) })
            {
                foreach (var g in list.Count > 1 ? list : [])
                {
                    groups.AddRow(Markup.Escape(prefix + g.Group), Invariant($"{g.Jobs}"),
                        Invariant($"{Num(g.QueueingDelayHours.P50)} / {Num(g.QueueingDelayHours.P90)} / {Num(g.QueueingDelayHours.P99)}"),
                        Invariant($"{Num(g.CompletionHours.P50)} / {Num(g.CompletionHours.P90)} / {Num(g.CompletionHours.P99)}"),
                        Num(g.Slowdown.Mean));
                }
            }

            AnsiConsole.Write(groups);
        }

        foreach (var pending in result.Jobs.Where(j => j.PendingReason is not null))
        {
            AnsiConsole.MarkupLine($"[red]never started[/] {Markup.Escape(pending.Name)}: {Markup.Escape(pending.PendingReason!)}");
        }
    }

    /// <summary>The columns of the sweep table (the JSON and HTML report have every metric).</summary>
    private static readonly (string Metric, string Header)[] SweepColumns =
    [
        ("gpuAllocationPct", "GPU alloc %"), ("fragmentationPct", "frag %"), ("meanCompletionHours", "JCT mean h"),
        ("p99CompletionHours", "JCT p99 h"), ("meanQueueingHours", "wait mean h"), ("p99QueueingHours", "wait p99 h"),
        ("meanSlowdown", "slowdown"), ("meanGangWaitHours", "gang wait h"), ("completed", "done"),
    ];

    private static void PrintSweep(IReadOnlyList<JobSweepSummary> summaries, int seeds)
    {
        // Plain aligned text, one row per combination: a console table would wrap the numbers on a narrow terminal.
        var rows = new List<string[]>();
        rows.Add(["policy / queue", .. SweepColumns.Select(c => c.Header)]);
        foreach (var s in summaries)
        {
            rows.Add([s.Policy + " / " + s.Queue, .. SweepColumns.Select(c =>
            {
                var m = s.Metrics[c.Metric];
                return m.High > m.Low ? Invariant($"{Num(m.Median)} [{Num(m.Low)}, {Num(m.High)}]") : Num(m.Median);
            })]);
        }

        var widths = Enumerable.Range(0, rows[0].Length).Select(i => rows.Max(r => r[i].Length)).ToArray();
        Console.WriteLine(Invariant($"median over {seeds} seed(s) [95 % interval when the seeds differ]; every metric is in --json and --report"));
        foreach (var row in rows)
        {
            Console.WriteLine(string.Join("  ", row.Select((cell, i) => i == 0 ? cell.PadRight(widths[i]) : cell.PadLeft(widths[i]))).TrimEnd());
        }
    }

    private static void Write(string path, string content)
    {
        try
        {
            File.WriteAllText(path, content);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliError($"cannot write {path}: {e.Message}");
        }

        AnsiConsole.MarkupLine($"wrote [bold]{Markup.Escape(path)}[/]");
    }

    private static string Num(double value) => JobsMetricsHtml.Num(value);

    private static string Hours(TimeSpan t) => Invariant($"{t.TotalHours:0.##} h");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
