using Lepton.Core.Placement;
using Lepton.Core.Placement.Batch;
using Lepton.Optimization;
using Spectre.Console;

namespace Lepton.Cli.Commands.Place;

/// <summary><c>lepton place --policy milp</c>: every task placed at once by <see cref="MilpBatchPlacer"/>, with the plan's
/// status (proven optimal, or the solver's gap) beside the best greedy policy's value.</summary>
internal static class MilpPlacement
{
    /// <summary>The policy name that selects batch placement.</summary>
    public const string PolicyName = "milp";

    /// <summary>True when <paramref name="policy"/> names <c>milp</c>.</summary>
    public static bool IsMilp(string? policy) => string.Equals(policy?.Trim(), PolicyName, StringComparison.OrdinalIgnoreCase);

    /// <summary>Runs the command; returns the exit code.</summary>
    public static int Run(string nodesPath, string tasksPath, int seed, bool json, string objectiveText, double timeLimitSeconds)
    {
        if (!BatchScheduler.TryParseObjective(objectiveText, out var objective))
        {
            throw new CliError($"--objective: unknown objective '{objectiveText}'; valid: priority, gpu, tasks, cost", 2);
        }

        if (!(timeLimitSeconds is > 0 and <= 3600))
        {
            throw new CliError("--time-limit: give seconds in (0, 3600], e.g. 2", 2);
        }

        var nodes = PlacementInput.ReadNodes(nodesPath);
        var tasks = PlacementInput.ReadTasks(tasksPath);
        PlacementResult result;
        BatchPlan plan;
        try
        {
            (result, plan) = BatchScheduler.Schedule(new MilpBatchPlacer(), nodes, tasks, objective,
                TimeSpan.FromSeconds(timeLimitSeconds), new PlacementOptions { Seed = seed });
        }
        catch (ArgumentException e)
        {
            throw new CliError(e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal));
        }

        var report = PlaceReport.From(result) with { Batch = Describe(plan, objective) };
        if (json)
        {
            Console.Out.WriteLine(report.ToJson());
        }
        else
        {
            var console = Output.Terminal.Create();
            PlacementTable.Write(console, report, result.Placements);
            console.MarkupLine(Markup.Escape(Line(report.Batch!)));
        }

        return 0;
    }

    /// <summary>The plan's status for the report.</summary>
    internal static PlaceReport.BatchStatus Describe(BatchPlan plan, BatchObjective objective) => new(
        objective.ToString().ToLowerInvariant(),
        plan.Status switch { BatchPlanStatus.Optimal => "optimal", BatchPlanStatus.Feasible => "feasible", _ => "greedy" },
        plan.Source,
        plan.Value,
        plan.UpperBound,
        plan.Gap is { } gap ? Math.Round(100 * gap, 4) : null,
        plan.GreedyPolicy,
        plan.GreedyValue,
        Math.Round(plan.Elapsed.TotalSeconds, 3),
        plan.Note);

    private static string Line(PlaceReport.BatchStatus s) => s.Status switch
    {
        "optimal" => FormattableString.Invariant($"milp ({s.Objective}): proven optimal, value {s.Value} (best greedy {s.GreedyPolicy}: {s.GreedyValue}) in {s.Seconds:0.###} s."),
        "feasible" => FormattableString.Invariant($"milp ({s.Objective}): not proven optimal within the time limit, value {s.Value}, bound {s.UpperBound:0}, gap {s.GapPct:0.####} % (best greedy {s.GreedyPolicy}: {s.GreedyValue}) in {s.Seconds:0.###} s."),
        _ => FormattableString.Invariant($"milp ({s.Objective}): kept the best greedy plan ({s.GreedyPolicy}, value {s.Value}){(s.GapPct is { } g ? FormattableString.Invariant($", gap {g:0.####} % to the solver's bound") : "")} in {s.Seconds:0.###} s: {s.Note}."),
    };
}
