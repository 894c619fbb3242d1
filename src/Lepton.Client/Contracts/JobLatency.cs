namespace Lepton.Client.Contracts;

/// <summary>Where an inference job's users are and the latency they tolerate (<c>latency</c> in a job spec).</summary>
public sealed record JobLatency
{
    /// <summary>The users' location: a node label value of a topology level (<c>eu</c>) or <c>level=value</c>.</summary>
    public string Users { get; set; } = "";

    /// <summary>Most one-way latency from the users to a replica's node, in milliseconds.</summary>
    public double BudgetMs { get; set; }
}
