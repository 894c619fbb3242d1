namespace Lepton.Client.Contracts;

/// <summary>A job's input data (<c>data</c> in a job spec): placement estimates the time to move it (size over the
/// bottleneck bandwidth, plus latency) and prefers nodes near it.</summary>
public sealed record JobData
{
    /// <summary>Dataset name.</summary>
    public string Name { get; set; } = "";

    /// <summary>Size in MiB.</summary>
    public long SizeMiB { get; set; }

    /// <summary>Where it sits: a node label value of a topology level (<c>zone-a</c>) or <c>level=value</c>.</summary>
    public string At { get; set; } = "";
}
