using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Lepton.Simulation.Experiments;

namespace Lepton.Simulation.Reports;

/// <summary>Writes an openb sweep as JSON: every run's grid series and a summary per (trace, policy) beside the published median.</summary>
/// <remarks>
/// Shape: <c>{"trace", "tune", "runs":[{"trace","policy","seed","pods","placed","elapsedMs","allocationPct":{"0":…,"130":…},
/// "fragmentationPct":{…},"fragmentationRatioPct":{…}}], "summary":[{"trace","policy","allocationPctAt100":{"median",
/// "min","max"},"publishedMedianAt100","differenceAt100","allocationPct":{"90":{…},…},"publishedMedian":{"90":…}}]}</c>.
/// Grid keys are the arrived % as strings; a value that is missing is <c>null</c>. <c>power</c> holds, per (trace, policy),
/// the seed-mean power curves on PWR-SPEC §3's grid (<c>x</c> = 0, 0.005, …), GRAR and the saving against fgd.
/// </remarks>
public static class OpenbJsonReport
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>The JSON document for a sweep.</summary>
    public static string Render(string traceArgument, double tune, IReadOnlyList<OpenbRunResult> runs, IReadOnlyList<OpenbSummaryRow> summary)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(summary);
        var document = new Document(
            traceArgument,
            tune,
            [.. runs.Select(r => new Run(r.Trace, r.Policy, r.Seed, r.Pods, r.Placed, Math.Round(r.Elapsed.TotalMilliseconds),
                Grid(r.Grid.AllocationPct), Grid(r.Grid.FragmentationPct), Grid(r.Grid.FragmentationRatioPct)))],
            [.. summary.Select(Summary)],
            [.. OpenbPowerRow.Build(runs).Select(Power)]);
        return JsonSerializer.Serialize(document, Options);
    }

    private static SummaryEntry Summary(OpenbSummaryRow row)
    {
        var at100 = row.Allocation[100];
        return new SummaryEntry(
            row.Trace,
            row.Policy,
            Stats(at100),
            row.PublishedAllocation.TryGetValue(100, out var published) ? Value(published.Median) : null,
            row.Difference(100) is { } d ? Math.Round(d, 4) : null,
            row.Allocation.ToDictionary(kv => Key(kv.Key), kv => Stats(kv.Value)),
            row.Fragmentation.ToDictionary(kv => Key(kv.Key), kv => Stats(kv.Value)),
            OpenbSummaryRow.Columns.ToDictionary(Key, c => row.PublishedAllocation.TryGetValue(c, out var s) ? Value(s.Median) : null));
    }

    private static PowerEntry Power(OpenbPowerRow row) => new(
        row.Trace,
        row.Policy,
        row.Seeds,
        Value(row.MeanSaving10To90),
        Value(OpenbPowerRow.At(row.Grar, 1.0)),
        [.. Enumerable.Range(0, row.Watts.Length).Select(k => Math.Round(PowerCurve.Grid(k), 3))],
        [.. row.Watts.Select(Value)],
        [.. row.CpuWatts.Select(Value)],
        [.. row.GpuWatts.Select(Value)],
        [.. row.Grar.Select(Value)],
        row.SavingPct is { } s ? [.. s.Select(Value)] : null);

    private static StatsEntry Stats(Statistics s) => new(Value(s.Median), Value(s.Min), Value(s.Max));

    private static Dictionary<string, double?> Grid(double[] series)
    {
        var grid = new Dictionary<string, double?>(series.Length);
        for (var a = 0; a < series.Length; a++)
        {
            grid[Key(a)] = Value(series[a]);
        }

        return grid;
    }

    private static string Key(int arrived) => arrived.ToString(CultureInfo.InvariantCulture);

    private static double? Value(double v) => double.IsFinite(v) ? v : null;

    private sealed record Document(string Trace, double Tune, IReadOnlyList<Run> Runs, IReadOnlyList<SummaryEntry> Summary, IReadOnlyList<PowerEntry> Power);

    private sealed record PowerEntry(
        string Trace,
        string Policy,
        int Seeds,
        double? MeanSavingVsFgdPct10To90,
        double? GrarAt100,
        double[] X,
        double?[] Watts,
        double?[] CpuWatts,
        double?[] GpuWatts,
        double?[] Grar,
        double?[]? SavingVsFgdPct);

    private sealed record Run(
        string Trace,
        string Policy,
        int Seed,
        int Pods,
        int Placed,
        double ElapsedMs,
        Dictionary<string, double?> AllocationPct,
        Dictionary<string, double?> FragmentationPct,
        Dictionary<string, double?> FragmentationRatioPct);

    private sealed record SummaryEntry(
        string Trace,
        string Policy,
        StatsEntry AllocationPctAt100,
        double? PublishedMedianAt100,
        double? DifferenceAt100,
        Dictionary<string, StatsEntry> AllocationPct,
        Dictionary<string, StatsEntry> FragmentationPct,
        Dictionary<string, double?> PublishedMedian);

    private sealed record StatsEntry(double? Median, double? Min, double? Max);
}
