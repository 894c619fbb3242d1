namespace Lepton.Simulation.Experiments;

/// <summary>One trace's upper bound on GPU allocation % at the summary columns: statistics over seeds, and each seed's value.</summary>
/// <param name="Trace">Workload name.</param>
/// <param name="Bound">The bound (allocation %) over seeds, by arrived %.</param>
/// <param name="PerSeed">Each seed's bound by arrived %.</param>
public sealed record OpenbBoundRow(string Trace, IReadOnlyDictionary<int, Statistics> Bound, IReadOnlyDictionary<int, IReadOnlyDictionary<int, double>> PerSeed)
{
    /// <summary>Bound median minus a policy's median at <paramref name="arrivedPct"/> (percentage points), or null when either is missing.</summary>
    public double? GapOf(OpenbSummaryRow policy, int arrivedPct)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return Bound.TryGetValue(arrivedPct, out var bound) && policy.Allocation.TryGetValue(arrivedPct, out var ours)
            && double.IsFinite(bound.Median) && double.IsFinite(ours.Median)
            ? bound.Median - ours.Median
            : null;
    }
}
