using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Lepton.Core.Placement;
using Lepton.Simulation.Experiments;
using Lepton.Simulation.Reports;
using Lepton.Simulation.Traces;
using Spectre.Console;

namespace Lepton.Cli.Commands.Simulate;

/// <summary><c>lepton simulate openb</c>: the ATC'23 GPU-sharing experiment on the Alibaba openb trace, beside the published results.</summary>
internal static class OpenbSimulateCommand
{
    /// <summary>Builds the subcommand.</summary>
    public static Command Build()
    {
        var trace = new Option<string>("--trace") { Description = "Workload name (default, gpushare40, multigpu20, …), a pod CSV path, a comma list, or 'all' (the 17 published workloads).", DefaultValueFactory = _ => "default" };
        var policy = new Option<string>("--policy") { Description = "Policy name(s), comma-separated, or 'all' (random, dotprod, gpuclustering, gpupacking, bestfit, fgd).", DefaultValueFactory = _ => "all" };
        var seeds = new Option<string>("--seeds") { Description = "Seeds: a range 42-51, a list 1,2,3 or one seed.", DefaultValueFactory = _ => "42-51" };
        var tune = new Option<double>("--tune") { Description = "Workload size as a multiple of cluster GPU capacity.", DefaultValueFactory = _ => 1.3 };
        var nodes = new Option<string>("--nodes") { Description = "Node file (openb CSV or Lepton YAML); default: the 1,213 openb GPU nodes." };
        var json = new Option<string>("--json") { Description = "Write every run and the summary as JSON to this file." };
        var csv = new Option<string>("--csv") { Description = "Write one row per run (allocation % per grid column) to this CSV file." };
        var report = new Option<string>("--report") { Description = "Write a self-contained HTML report with charts to this file." };
        var parallel = new Option<int>("--parallel") { Description = "Runs at once (default: one per core)." };
        var powerCsv = new Option<string>("--power-csv") { Description = "Write the power curves (seed means per trace, policy and arrived x: watts, GRAR, saving vs fgd) to this CSV file." };
        var tieBreak = new Option<string>("--tie-break") { Description = "Ties between equal scores: 'random' (seeded node ranks, FGD-SPEC) or 'name' (smallest node name for every policy, as the PWR paper's simulator).", DefaultValueFactory = _ => "random" };
        var traces = new Option<string>("--traces") { Description = "The public trace folder (holding openb/); default $LEPTON_TRACES, else shared/traces beside the repository." };
        var bound = new Option<bool>("--bound") { Description = "Also compute an upper bound on GPU allocation (LP relaxation of offline packing) per trace and seed, and each policy's gap to it." };

        var command = new Command("openb", "Replay the openb GPU-sharing experiment of Weng et al., \"Beware of Fragmentation\" (USENIX ATC'23), and compare with the published results.")
        {
            trace, policy, seeds, tune, nodes, json, csv, report, parallel, traces, powerCsv, tieBreak, bound,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var tuneValue = parse.GetValue(tune);
            if (!(tuneValue is > 0 and <= 10))
            {
                throw new CliError("--tune must be in (0, 10], e.g. 1.3", 2);
            }

            if (parse.GetValue(parallel) < 0)
            {
                throw new CliError("--parallel must be 0 (one run per core) or more", 2);
            }

            string? traceRoot;
            try
            {
                traceRoot = TraceDirectory.Resolve(parse.GetValue(traces));
            }
            catch (DirectoryNotFoundException e)
            {
                throw new CliError(e.Message, 2);
            }

            var byName = parse.GetValue(tieBreak)!.Trim().ToLowerInvariant() switch
            {
                "random" => false,
                "name" => true,
                var other => throw new CliError($"--tie-break: '{other}' is not a tie-break; valid: random, name", 2),
            };
            var policies = ResolvePolicies(parse.GetValue(policy)!);
            var seedList = SeedList.Parse(parse.GetValue(seeds)!);
            var traceArgument = parse.GetValue(trace)!;
            var podFiles = ResolveTraces(traceArgument, traceRoot);
            var cluster = LoadCluster(parse.GetValue(nodes), traceRoot);
            var workloads = LoadWorkloads(podFiles);
            var published = traceRoot is null ? PublishedOpenbResults.Empty : PublishedOpenbResults.Load(OpenbCatalog.PublishedDirectory(traceRoot));

            var total = workloads.Count * policies.Count * seedList.Count;
            var stopwatch = Stopwatch.StartNew();
            var runs = SweepProgress.Track("runs", total, tick =>
                OpenbSweep.Run(cluster, workloads, policies, seedList, tuneValue, _ => tick(), parse.GetValue(parallel), cancellationToken, byName));
            stopwatch.Stop();

            var summary = OpenbSummaryRow.Build(runs, published);
            OpenbSummaryTable.Write(summary, published.HasData);
            var power = OpenbPowerRow.Build(runs);
            OpenbPowerTable.Write(power);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{runs.Count} runs ({Count(workloads.Count, "trace")} × {Count(policies.Count, "policy")} × {Count(seedList.Count, "seed")}) on {cluster.Nodes.Count} nodes / {cluster.TotalGpus} GPUs in {stopwatch.Elapsed.TotalSeconds:F1} s, {Environment.ProcessorCount} cores"));

            // --bound: an LP per (trace, seed, column); printed after the sweep's own tables and added to JSON and HTML.
            var bounds = parse.GetValue(bound)
                ? OpenbBound.Build(cluster, workloads, seedList, tuneValue, new Lepton.Optimization.LpPackingBound(), parse.GetValue(parallel))
                : null;
            if (bounds is not null)
            {
                OpenbBoundTable.Write(bounds, summary);
            }

            if (parse.GetValue(json) is { } jsonPath)
            {
                var document = OpenbJsonReport.Render(traceArgument, tuneValue, runs, summary);
                Write(jsonPath, bounds is null ? document : OpenbBoundReport.AddToJson(document, bounds, summary));
            }

            if (parse.GetValue(csv) is { } csvPath)
            {
                Write(csvPath, OpenbCsvReport.Render(runs, tuneValue, cluster.TotalGpus));
            }

            if (parse.GetValue(powerCsv) is { } powerCsvPath)
            {
                Write(powerCsvPath, OpenbPowerCsvReport.Render(power));
            }

            if (parse.GetValue(report) is { } reportPath)
            {
                var page = OpenbHtmlReport.Render(new OpenbReportInput(cluster, runs, summary, published, tuneValue, stopwatch.Elapsed));
                Write(reportPath, bounds is null ? page : OpenbBoundReport.AddToHtml(page, bounds, summary));
            }

            return Task.FromResult(0);
        });
        return command;
    }

    /// <summary>Maps <c>--policy</c> to Core policies; <c>all</c> is the six published ones.</summary>
    internal static IReadOnlyList<PlacementPolicy> ResolvePolicies(string text)
    {
        var names = text.Trim().Equals("all", StringComparison.OrdinalIgnoreCase)
            ? OpenbCatalog.PublishedPolicies
            : [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
        var policies = new List<PlacementPolicy>();
        foreach (var name in names)
        {
            if (!PolicyRegistry.TryGet(name, out var found))
            {
                throw new CliError($"--policy: unknown policy '{name}'; valid: all, {string.Join(", ", PolicyRegistry.Names)}", 2);
            }

            if (!policies.Contains(found))
            {
                policies.Add(found);
            }
        }

        return policies.Count > 0 ? policies : throw new CliError("--policy: give at least one policy", 2);
    }

    /// <summary>Maps <c>--trace</c> to pod files: names in the openb folder, paths, or <c>all</c>.</summary>
    internal static IReadOnlyList<string> ResolveTraces(string text, string? traceRoot)
    {
        var items = text.Trim().Equals("all", StringComparison.OrdinalIgnoreCase)
            ? OpenbCatalog.PublishedWorkloads
            : [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
        var files = new List<string>();
        foreach (var item in items)
        {
            if (File.Exists(item))
            {
                files.Add(Path.GetFullPath(item));
                continue;
            }

            if (traceRoot is null)
            {
                throw new CliError($"--trace: '{item}' is not a file, and {TraceDirectory.MissingMessage}");
            }

            var path = OpenbCatalog.PodFile(traceRoot, item);
            if (!File.Exists(path))
            {
                var known = Directory.EnumerateFiles(OpenbCatalog.OpenbDirectory(traceRoot), OpenbCatalog.PodFilePrefix + "*.csv")
                    .Select(OpenbCatalog.WorkloadName).Order(StringComparer.Ordinal);
                throw new CliError($"--trace: unknown trace '{item}'; valid: all, {string.Join(", ", known)} or a pod CSV path", 2);
            }

            files.Add(path);
        }

        return files.Count > 0 ? files.Distinct().ToArray() : throw new CliError("--trace: give at least one trace", 2);
    }

    private static OpenbCluster LoadCluster(string? nodesPath, string? traceRoot)
    {
        var path = nodesPath ?? (traceRoot is null
            ? throw new CliError($"{TraceDirectory.MissingMessage} (or pass --nodes FILE)")
            : Path.Combine(OpenbCatalog.OpenbDirectory(traceRoot), OpenbCatalog.NodeFileName));
        if (!File.Exists(path))
        {
            throw new CliError($"--nodes: file not found: {path}");
        }

        try
        {
            var nodes = NodeFileReader.Read(path);
            var cluster = new OpenbCluster(Path.GetFileNameWithoutExtension(path), nodes);
            return cluster.TotalGpus > 0 ? cluster : throw new CliError($"{path}: the cluster has no GPUs; the openb experiment measures GPU allocation");
        }
        catch (TraceFormatException e)
        {
            throw new CliError(e.Message);
        }
    }

    private static List<OpenbWorkload> LoadWorkloads(IReadOnlyList<string> podFiles)
    {
        var workloads = new OpenbWorkload[podFiles.Count];
        try
        {
            Parallel.For(0, podFiles.Count, i =>
                workloads[i] = new OpenbWorkload(OpenbCatalog.WorkloadName(podFiles[i]), TaskFileReader.Read(podFiles[i])));
        }
        catch (AggregateException e) when (e.InnerExceptions.FirstOrDefault(x => x is TraceFormatException) is { } format)
        {
            throw new CliError(format.Message);
        }

        return [.. workloads];
    }

    private static string Count(int n, string noun) =>
        string.Create(CultureInfo.InvariantCulture, $"{n} {(n == 1 ? noun : noun.EndsWith('y') ? noun[..^1] + "ies" : noun + "s")}");

    private static void Write(string path, string content)
    {
        try
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(path));
            if (directory is not null)
            {
                Directory.CreateDirectory(directory);
            }

            File.WriteAllText(path, content);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliError($"cannot write {path}: {e.Message}");
        }

        AnsiConsole.MarkupLine($"wrote [bold]{Markup.Escape(path)}[/]");
    }
}
