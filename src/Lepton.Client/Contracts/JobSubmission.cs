namespace Lepton.Client.Contracts;

/// <summary>Body of <c>POST /api/v1/jobs</c>: what a tenant asks to run.</summary>
public sealed record JobSubmission
{
    /// <summary>Human-readable job name (1..128 characters).</summary>
    public string Name { get; set; } = "";

    /// <summary>Number of replicas; more than one makes a gang, placed all or nothing.</summary>
    public int Replicas { get; set; } = 1;

    /// <summary>Per-replica resources.</summary>
    public JobResources Resources { get; set; } = new();

    /// <summary>Priority 1..9, 9 most important.</summary>
    public int Priority { get; set; } = 5;

    /// <summary>Whether more important work may evict this job.</summary>
    public bool Preemptible { get; set; }

    /// <summary>The command each replica runs (argv).</summary>
    public IReadOnlyList<string> Command { get; set; } = [];

    /// <summary>Environment variables for each replica.</summary>
    public IReadOnlyDictionary<string, string> Env { get; set; } = new Dictionary<string, string>();

    /// <summary>How many times a failed or lost replica is retried before the job fails (0..100).</summary>
    public int MaxRetries { get; set; }

    /// <summary>What the job is worth to its tenant (the revenue it brings, in the same currency as node prices); optional.
    /// <c>lepton report usage</c> sets it against the job's cost as profit and a cost/profit ratio.</summary>
    public double? Value { get; set; }
}
