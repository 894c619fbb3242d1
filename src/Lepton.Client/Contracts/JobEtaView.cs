namespace Lepton.Client.Contracts;

/// <summary>"When will it start?" (<c>GET /api/v1/jobs/{id}/eta</c>, <c>POST /api/v1/jobs/whatif</c>): the live queue
/// replayed forward with predicted run times, the same planner and policy.</summary>
public sealed record JobEtaView
{
    /// <summary>The job asked about; 0 for a what-if submission.</summary>
    public long JobId { get; set; }

    /// <summary>Its state now (a running job has started already).</summary>
    public JobState State { get; set; }

    /// <summary>Expected start (with expected run times); null when the forecast never starts it.</summary>
    public DateTimeOffset? ExpectedStart { get; set; }

    /// <summary>Earliest start of the range (every job running as short as its band allows).</summary>
    public DateTimeOffset? EarliestStart { get; set; }

    /// <summary>Latest start of the range (every job running as long as its band allows).</summary>
    public DateTimeOffset? LatestStart { get; set; }

    /// <summary>Nodes its replicas would land on, one per replica.</summary>
    public IReadOnlyList<string> Nodes { get; set; } = [];

    /// <summary>Queued jobs that would start before it (of the caller's tenant by id; others counted only).</summary>
    public IReadOnlyList<long> WaitsBehind { get; set; } = [];

    /// <summary>How many queued jobs of other tenants would start before it.</summary>
    public int WaitsBehindOthers { get; set; }

    /// <summary>Running jobs it would preempt (the caller's by id; others counted in <see cref="PreemptsOthers"/>).</summary>
    public IReadOnlyList<long> Preempts { get; set; } = [];

    /// <summary>How many running jobs of other tenants it would preempt.</summary>
    public int PreemptsOthers { get; set; }

    /// <summary>Its own predicted run time, in seconds; null when nothing predicts it.</summary>
    public double? PredictedRuntimeSeconds { get; set; }

    /// <summary>What the prediction rests on (e.g. "tenant+name (12 jobs)", "declared limit", "no history: 1 h assumed").</summary>
    public string RuntimeBasis { get; set; } = "";

    /// <summary>The answer in a sentence.</summary>
    public string Summary { get; set; } = "";
}
