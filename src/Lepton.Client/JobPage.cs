using Lepton.Client.Contracts;

namespace Lepton.Client;

/// <summary>What page of jobs to fetch with <see cref="LeptonClient.ListJobsPageAsync"/>.</summary>
public sealed record JobPageRequest
{
    /// <summary>The largest page the server gives.</summary>
    public const int MaxLimit = 1000;

    /// <summary>Jobs per page, 1..<see cref="MaxLimit"/>; default 100 (the server's default).</summary>
    public int Limit { get; init; } = 100;

    /// <summary>The cursor: <see cref="JobPage.NextAfter"/> of the previous page; null for the first page.</summary>
    public long? After { get; init; }

    /// <summary>Newest first (descending ids) instead of oldest first.</summary>
    public bool NewestFirst { get; init; }

    /// <summary>Only jobs in this state.</summary>
    public JobState? State { get; init; }

    /// <summary>Only jobs in one of these states (takes precedence over <see cref="State"/>).</summary>
    public IReadOnlyList<JobState>? States { get; init; }
}

/// <summary>One page of jobs, and the cursor of the next page (null when this is the last).</summary>
public sealed record JobPage(IReadOnlyList<JobView> Jobs, long? NextAfter);
