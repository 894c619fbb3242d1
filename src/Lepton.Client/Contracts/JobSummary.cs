namespace Lepton.Client.Contracts;

/// <summary>Job counts by state for the jobs the caller may see (<c>GET /api/v1/jobs/summary</c>): what a dashboard shows
/// without fetching every job.</summary>
public sealed record JobSummary
{
    /// <summary>All jobs the caller may see.</summary>
    public int Total { get; set; }

    /// <summary>Waiting for placement.</summary>
    public int Pending { get; set; }

    /// <summary>Placed, not all replicas started yet.</summary>
    public int Scheduled { get; set; }

    /// <summary>Running.</summary>
    public int Running { get; set; }

    /// <summary>Finished with exit code 0.</summary>
    public int Succeeded { get; set; }

    /// <summary>Failed for good.</summary>
    public int Failed { get; set; }

    /// <summary>Cancelled.</summary>
    public int Cancelled { get; set; }
}
