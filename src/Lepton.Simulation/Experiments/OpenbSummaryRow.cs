namespace Lepton.Simulation.Experiments;

/// <summary>One (workload, policy) row of an openb summary: our statistics over seeds and the published ones, per grid column.</summary>
/// <param name="Trace">Workload name.</param>
/// <param name="Policy">Policy name.</param>
/// <param name="Allocation">Our allocation % over seeds, by arrived %.</param>
/// <param name="Fragmentation">Our fragmentation % of capacity over seeds, by arrived %.</param>
/// <param name="PublishedAllocation">The published allocation % over seeds, by arrived % (absent when not published).</param>
public sealed record OpenbSummaryRow(
    string Trace,
    string Policy,
    IReadOnlyDictionary<int, Statistics> Allocation,
    IReadOnlyDictionary<int, Statistics> Fragmentation,
    IReadOnlyDictionary<int, Statistics> PublishedAllocation)
{
    /// <summary>The grid columns a summary reports: 90, 100, 110 and 130 % arrived.</summary>
    public static IReadOnlyList<int> Columns { get; } = [90, 100, 110, 130];

    /// <summary>Our median minus the published median at <paramref name="arrivedPct"/>, or null when either is missing.</summary>
    public double? Difference(int arrivedPct) =>
        Allocation.TryGetValue(arrivedPct, out var ours) && PublishedAllocation.TryGetValue(arrivedPct, out var published)
            && !double.IsNaN(ours.Median) && !double.IsNaN(published.Median)
            ? ours.Median - published.Median
            : null;

    /// <summary>Builds one row per (workload, policy) of <paramref name="runs"/>, in the order they first appear.</summary>
    public static IReadOnlyList<OpenbSummaryRow> Build(IReadOnlyList<OpenbRunResult> runs, PublishedOpenbResults published)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(published);
        var rows = new List<OpenbSummaryRow>();
        foreach (var group in runs.GroupBy(r => (r.Trace, r.Policy)))
        {
            var allocation = new Dictionary<int, Statistics>();
            var fragmentation = new Dictionary<int, Statistics>();
            var publishedAllocation = new Dictionary<int, Statistics>();
            foreach (var column in Columns)
            {
                allocation[column] = Statistics.Of(group.Select(r => ValueAt(r.Grid.AllocationPct, column)));
                fragmentation[column] = Statistics.Of(group.Select(r => ValueAt(r.Grid.FragmentationPct, column)));
                if (published.At(PublishedMetric.Allocation, group.Key.Trace, group.Key.Policy, column) is { } stats)
                {
                    publishedAllocation[column] = stats;
                }
            }

            rows.Add(new OpenbSummaryRow(group.Key.Trace, group.Key.Policy, allocation, fragmentation, publishedAllocation));
        }

        return rows;
    }

    private static double ValueAt(double[] series, int column) => (uint)column < (uint)series.Length ? series[column] : double.NaN;
}
