namespace Lepton.Client.Contracts;

/// <summary>A gang's topology wish (<c>topology</c> in a job spec): replicas share one level, required or preferred,
/// and each multi-GPU replica's GPUs share an NVLink group.</summary>
public sealed record JobTopology
{
    /// <summary>The level every replica must share (e.g. <c>rack</c>); the job waits until one domain holds them all.</summary>
    public string? Required { get; set; }

    /// <summary>The level the replicas should share; when none has room they land one level up, and the job says so.</summary>
    public string? Preferred { get; set; }

    /// <summary>Each replica's GPUs inside one NVLink group of its node.</summary>
    public bool NvLink { get; set; }
}
