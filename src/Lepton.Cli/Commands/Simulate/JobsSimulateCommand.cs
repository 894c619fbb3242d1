using System.CommandLine;
using System.Globalization;
using Lepton.Core.Placement;
using Lepton.Simulation.Jobs;
using Lepton.Simulation.Reports;
using Lepton.Simulation.Traces;
using Spectre.Console;

namespace Lepton.Cli.Commands.Simulate;

/// <summary><c>lepton simulate jobs</c>: replays a job trace (arrivals, durations) on a cluster with one policy and reports
/// makespan, completion times, queueing, utilisation, cost and energy.</summary>
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
        var policy = new Option<string>("--policy") { Description = "Placement policy (see lepton policies).", DefaultValueFactory = _ => "bestfit" };
        var order = new Option<string>("--order") { Description = "Queue order: fifo, priority, longest-first or shortest-first.", DefaultValueFactory = _ => "fifo" };
        var seed = new Option<int>("--seed") { Description = "Seed for tie-breaks and the random policy.", DefaultValueFactory = _ => 42 };
        var json = new Option<string>("--json") { Description = "Write the metrics, every job and the timeline as JSON to this file." };
        var report = new Option<string>("--report") { Description = "Write a self-contained HTML report to this file." };

        var command = new Command("jobs", "Replay a job trace over time: jobs arrive, queue, run for their duration and leave.")
        {
            cluster, jobs, policy, order, seed, json, report, format, throughputs, allowUnschedulable,
        };
        command.SetAction((parse, _) =>
        {
            var policyName = parse.GetValue(policy)!;
            if (!PolicyRegistry.TryGet(policyName, out var placementPolicy))
            {
                throw new CliError($"--policy: unknown policy '{policyName}'; valid: {string.Join(", ", PolicyRegistry.Names)}", 2);
            }

            var orderText = parse.GetValue(order);
            if (!JobOrderNames.TryParse(orderText, out var jobOrder))
            {
                throw new CliError($"--order: unknown order '{orderText}'; valid: {string.Join(", ", JobOrderNames.All)}", 2);
            }

            var clusterPath = parse.GetValue(cluster)!;
            var jobsPath = parse.GetValue(jobs)!;
            var nodes = Read(() => NodeFileReader.ReadCluster(clusterPath));
            var trace = Read(() => JobFileReader.ReadTrace(jobsPath, new JobTraceOptions { Format = parse.GetValue(format), ThroughputsPath = parse.GetValue(throughputs) }));
            var jobList = trace.Jobs;
            CheckTrace(trace, nodes, parse.GetValue(allowUnschedulable));
            var result = JobSimulation.Run(nodes, jobList, placementPolicy, jobOrder, parse.GetValue(seed));
            Print(result);

            if (parse.GetValue(json) is { } jsonPath)
            {
                Write(jsonPath, JobsJsonReport.Render(result));
            }

            if (parse.GetValue(report) is { } reportPath)
            {
                Write(reportPath, JobsHtmlReport.Render(result, Path.GetFileName(clusterPath), Path.GetFileName(jobsPath)));
            }

            return Task.FromResult(0);
        });
        return command;
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

    private static void Print(JobSimulationResult result)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .Title(Invariant($"[bold]{result.Jobs.Count} jobs[/], policy {Markup.Escape(result.Policy)}, order {JobOrderNames.Format(result.Order)}"))
            .AddColumn("metric").AddColumn(new TableColumn("value").RightAligned());
        table.AddRow("jobs completed", Invariant($"{result.Completed} of {result.Jobs.Count}"));
        table.AddRow("makespan", Hours(result.Makespan));
        table.AddRow("average completion time", Hours(result.AverageCompletionTime));
        table.AddRow("p99 completion time", Hours(result.P99CompletionTime));
        table.AddRow("average queueing delay", Hours(result.AverageQueueingDelay));
        var u = result.Utilisation;
        foreach (var (name, value) in new[] { ("GPU", u.GpuPct), ("CPU", u.CpuPct), ("memory", u.MemoryPct), ("FPGA", u.FpgaPct), ("network", u.NetworkPct) })
        {
            if (!double.IsNaN(value))
            {
                table.AddRow($"{name} utilisation", Invariant($"{value:F1} %"));
            }
        }

        table.AddRow("cluster cost (price × makespan)", Invariant($"{result.ClusterCost:F2}"));
        if (result.JobCost is { } jobCost)
        {
            table.AddRow("total job cost", Invariant($"{jobCost:0.##}"));
        }

        table.AddRow("energy", Invariant($"{result.EnergyKWh:F2} kWh"));
        AnsiConsole.Write(table);
        foreach (var pending in result.Jobs.Where(j => j.PendingReason is not null))
        {
            AnsiConsole.MarkupLine($"[red]never started[/] {Markup.Escape(pending.Name)}: {Markup.Escape(pending.PendingReason!)}");
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

    private static string Hours(TimeSpan t) => Invariant($"{t.TotalHours:0.##} h");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
