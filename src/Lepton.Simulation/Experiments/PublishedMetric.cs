namespace Lepton.Simulation.Experiments;

/// <summary>Which published openb result file a value comes from.</summary>
public enum PublishedMetric
{
    /// <summary>GPU allocation % (<c>analysis_allo_discrete.csv</c>).</summary>
    Allocation,

    /// <summary>Fragmented GPU, % of capacity (<c>analysis_frag_discrete.csv</c>).</summary>
    Fragmentation,

    /// <summary>Fragmented share of idle GPU, % (<c>analysis_frag_ratio_discrete.csv</c>).</summary>
    FragmentationRatio,
}
