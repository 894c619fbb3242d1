namespace Lepton.Client.Contracts;

/// <summary>A job as the API returns it: state, why it is pending, where each replica runs, and its history.</summary>
public sealed record JobView
{
    /// <summary>Server-assigned job id.</summary>
    public long Id { get; set; }

    /// <summary>Job name.</summary>
    public string Name { get; set; } = "";

    /// <summary>Owning tenant.</summary>
    public string Tenant { get; set; } = "";

    /// <summary>Current state.</summary>
    public JobState State { get; set; }

    /// <summary>Priority 1..9.</summary>
    public int Priority { get; set; }

    /// <summary>Whether more important work may evict it.</summary>
    public bool Preemptible { get; set; }

    /// <summary>Number of replicas (a gang when more than one).</summary>
    public int Replicas { get; set; }

    /// <summary>Per-replica resources as submitted.</summary>
    public JobResources Resources { get; set; } = new();

    /// <summary>Command each replica runs.</summary>
    public IReadOnlyList<string> Command { get; set; } = [];

    /// <summary>Environment of each replica.</summary>
    public IReadOnlyDictionary<string, string> Env { get; set; } = new Dictionary<string, string>();

    /// <summary>Retries allowed.</summary>
    public int MaxRetries { get; set; }

    /// <summary>What the job is worth to its tenant, as submitted (<c>value:</c>); null when not given.</summary>
    public double? Value { get; set; }

    /// <summary>Why the job is pending (or why it failed); null while it runs.</summary>
    public PendingReasonView? Reason { get; set; }

    /// <summary>Where each bound replica runs.</summary>
    public IReadOnlyList<PlacementView> Placements { get; set; } = [];

    /// <summary>Every replica (task), bound or not.</summary>
    public IReadOnlyList<TaskView> Tasks { get; set; } = [];

    /// <summary>History, oldest first.</summary>
    public IReadOnlyList<JobEventView> Events { get; set; } = [];

    /// <summary>Retries used so far (all replicas together).</summary>
    public int Retries { get; set; }

    /// <summary>Exit code of the failing replica, or 0 when succeeded; null while not finished.</summary>
    public int? ExitCode { get; set; }

    /// <summary>When the job was accepted.</summary>
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>Where one replica is placed: the node and the GPU indices on it.</summary>
public sealed record PlacementView
{
    /// <summary>Replica index 0..replicas-1.</summary>
    public int Replica { get; set; }

    /// <summary>Node name.</summary>
    public string Node { get; set; } = "";

    /// <summary>GPU indices on the node (empty when no GPU).</summary>
    public IReadOnlyList<int> Gpus { get; set; } = [];
}

/// <summary>One replica of a job: its state, node, GPUs, attempt and exit code.</summary>
public sealed record TaskView
{
    /// <summary>Server-assigned task id (stable across attempts).</summary>
    public long Id { get; set; }

    /// <summary>Replica index 0..replicas-1.</summary>
    public int Replica { get; set; }

    /// <summary>Current state.</summary>
    public TaskState State { get; set; }

    /// <summary>Node name while bound; null otherwise.</summary>
    public string? Node { get; set; }

    /// <summary>GPU indices while bound.</summary>
    public IReadOnlyList<int> Gpus { get; set; } = [];

    /// <summary>Attempt number, 0 for the first run; goes up on each retry or requeue.</summary>
    public int Attempt { get; set; }

    /// <summary>Exit code of the last attempt, when it exited.</summary>
    public int? ExitCode { get; set; }
}

/// <summary>One event in a job's history.</summary>
public sealed record JobEventView
{
    /// <summary>When it happened.</summary>
    public DateTimeOffset Time { get; set; }

    /// <summary>Event type, e.g. <c>Submitted</c>, <c>Scheduled</c>, <c>Preempted</c>, <c>Started</c>, <c>Exited</c>, <c>Cancelled</c>.</summary>
    public string Type { get; set; } = "";

    /// <summary>The event in words.</summary>
    public string Message { get; set; } = "";
}
