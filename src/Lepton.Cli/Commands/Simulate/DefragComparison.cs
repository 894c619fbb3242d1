using System.Globalization;
using Lepton.Core.Placement.Consolidation;
using Lepton.Simulation.Jobs;
using Spectre.Console;

namespace Lepton.Cli.Commands.Simulate;

/// <summary><c>simulate jobs --defrag-every</c>: the options, and the run beside the same run without consolidation.</summary>
internal static class DefragComparison
{
    /// <summary>The consolidation options from the command line, or null without <c>--defrag-every</c>.</summary>
    public static DefragOptions? Options(string? every, int maxMoves, string moveCost, string goal, string movable, string work, string when)
    {
        if (every is null)
        {
            return null;
        }

        if (!SimulatedDuration.TryParse(every, out var interval) || interval <= TimeSpan.Zero || interval > TimeSpan.FromDays(3650))
        {
            throw new CliError($"--defrag-every: '{every}' is not a positive duration (e.g. 1h, 30m, 600)", 2);
        }

        if (maxMoves is < 1 or > 100_000)
        {
            throw new CliError("--defrag-max-moves must be in 1..100000", 2);
        }

        if (!SimulatedDuration.TryParse(moveCost, out var cost) || cost < TimeSpan.Zero || cost > TimeSpan.FromDays(365))
        {
            throw new CliError($"--defrag-move-cost: '{moveCost}' is not a duration of 0 or more (e.g. 300, 5m)", 2);
        }

        var all = movable.Trim().ToLowerInvariant() switch
        {
            "all" => true,
            "preemptible" => false,
            _ => throw new CliError($"--defrag-movable: '{movable}' is not one of preemptible, all", 2),
        };
        var target = goal.Trim().ToLowerInvariant() switch
        {
            "gpus" or "gpu" => ConsolidationGoal.Gpus,
            "nodes" or "node" => ConsolidationGoal.Nodes,
            _ => throw new CliError($"--defrag-goal: unknown goal '{goal}'; valid: gpus, nodes", 2),
        };
        var keep = work.Trim().ToLowerInvariant() switch
        {
            "keep" => true,
            "restart" => false,
            _ => throw new CliError($"--defrag-work: '{work}' is not one of keep, restart", 2),
        };
        var useful = when.Trim().ToLowerInvariant() switch
        {
            "useful" => true,
            "waiting" => false,
            _ => throw new CliError($"--defrag-when: '{when}' is not one of useful, waiting", 2),
        };
        return new DefragOptions { Every = interval, MaxMoves = maxMoves, MoveCost = cost, Goal = target, MoveAll = all, KeepWork = keep, OnlyWhenUseful = useful };
    }

    /// <summary>Prints allocation, queueing and the moved jobs' completion times with consolidation against without.</summary>
    public static void Print(JobSimulationResult with, JobMetrics withMetrics, JobSimulationResult without, JobMetrics withoutMetrics, DefragOptions options)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .Title(Invariant($"defrag every {Duration(options.Every)}, goal {(options.Goal == ConsolidationGoal.Nodes ? "nodes" : "gpus")}, ≤ {options.MaxMoves} moves, {Duration(options.MoveCost)} per move, moving {(options.MoveAll ? "all one-replica" : "preemptible")} jobs, {(options.KeepWork ? "keeping their work" : "restarting them")}, {(options.OnlyWhenUseful ? "when a waiting job gains" : "whenever a job waits")}"))
            .AddColumn("").AddColumn(new TableColumn("no defrag").RightAligned()).AddColumn(new TableColumn("defrag").RightAligned())
            .AddColumn(new TableColumn("change").RightAligned());
        void Row(string name, double before, double after, string unit, string format = "F2") =>
            table.AddRow(name, before.ToString(format, CultureInfo.InvariantCulture), after.ToString(format, CultureInfo.InvariantCulture),
                Invariant($"{(after - before >= 0 ? "+" : "")}{(after - before).ToString(format, CultureInfo.InvariantCulture)}{unit}"));
        var window = Invariant($"{withMetrics.WindowStart.TotalHours:0.##}–{withMetrics.WindowEnd.TotalHours:0.##} h");
        Row($"GPU allocation over {window} (%)", withoutMetrics.GpuAllocationPct, withMetrics.GpuAllocationPct, " pp");
        Row("fragmentation (FGD, % of idle)", withoutMetrics.FragmentationPct, withMetrics.FragmentationPct, " pp");
        Row("mean queueing delay (h)", withoutMetrics.Overall.QueueingDelayHours.Mean, withMetrics.Overall.QueueingDelayHours.Mean, " h", "F3");
        Row("p99 queueing delay (h)", withoutMetrics.Overall.QueueingDelayHours.P99, withMetrics.Overall.QueueingDelayHours.P99, " h", "F3");
        foreach (var size in withMetrics.BySize)
        {
            if (withoutMetrics.BySize.FirstOrDefault(s => s.Group == size.Group) is { } before
                && (before.QueueingDelayHours.Mean > 0 || size.QueueingDelayHours.Mean > 0))
            {
                Row($"  mean queueing delay, size {size.Group} (h)", before.QueueingDelayHours.Mean, size.QueueingDelayHours.Mean, " h", "F3");
            }
        }

        Row("mean completion time (h)", withoutMetrics.Overall.CompletionHours.Mean, withMetrics.Overall.CompletionHours.Mean, " h", "F3");
        Row("makespan (h)", without.Makespan.TotalHours, with.Makespan.TotalHours, " h");
        table.AddRow("rounds that moved / moves", "", Invariant($"{with.DefragRounds} / {with.DefragMoves}"), "");

        // The moved jobs against themselves in the run without consolidation.
        var movedJobs = Enumerable.Range(0, with.Jobs.Count).Where(i => with.Jobs[i].Moves > 0).ToList();
        var both = movedJobs.Where(i => with.Jobs[i].CompletionTime is not null && without.Jobs[i].CompletionTime is not null).ToList();
        table.AddRow("jobs moved", "", Invariant($"{movedJobs.Count}"), "");
        if (both.Count > 0)
        {
            Row("  their mean completion time (h)", both.Average(i => without.Jobs[i].CompletionTime!.Value.TotalHours),
                both.Average(i => with.Jobs[i].CompletionTime!.Value.TotalHours), " h", "F3");
            table.AddRow("  their moves × move cost (h, mean)", "", Invariant($"{both.Average(i => with.Jobs[i].Moves * options.MoveCost.TotalHours):F3}"), "");
        }

        var gpuHours = movedJobs.Sum(i => with.Jobs[i].Moves * with.Jobs[i].Gpus * options.MoveCost.TotalHours);
        table.AddRow("GPU-hours held by jobs in a move", "", Invariant($"{gpuHours:F2}"), "");
        int earlier = 0, later = 0;
        for (var i = 0; i < with.Jobs.Count; i++)
        {
            if (with.Jobs[i].Start is { } s && without.Jobs[i].Start is { } b)
            {
                earlier += s < b ? 1 : 0;
                later += s > b ? 1 : 0;
            }
        }

        table.AddRow("jobs started earlier / later", "", Invariant($"{earlier} / {later}"), "");
        AnsiConsole.Write(table);
    }

    private static string Duration(TimeSpan t) =>
        t.TotalHours >= 1 && t.TotalHours == Math.Floor(t.TotalHours) ? Invariant($"{t.TotalHours:0} h")
        : t.TotalMinutes >= 1 && t.TotalMinutes == Math.Floor(t.TotalMinutes) ? Invariant($"{t.TotalMinutes:0} min")
        : Invariant($"{t.TotalSeconds:0.###} s");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
