namespace Lepton.Simulation.Experiments;

/// <summary>One run's metrics on the arrived-% grid; index <c>a</c> is the column for <c>a</c> % of GPU capacity arrived.</summary>
/// <param name="AllocationPct">GPU allocation, % of cluster GPU milli (the published <c>analysis_allo_discrete.csv</c>).</param>
/// <param name="FragmentationPct">Fragmented GPU milli, % of capacity (<c>analysis_frag_discrete.csv</c>).</param>
/// <param name="FragmentationRatioPct">Fragmented share of the idle GPU milli, % (<c>analysis_frag_ratio_discrete.csv</c>).</param>
public sealed record GridSeries(double[] AllocationPct, double[] FragmentationPct, double[] FragmentationRatioPct)
{
    /// <summary>Highest column index.</summary>
    public int MaxPercent => AllocationPct.Length - 1;
}
