namespace Lepton.Client.Contracts;

/// <summary>A job as the API returns it: state, why it is pending, where each replica runs, and its history.</summary>
public sealed record JobView
{
    /// <summary>Server-assigned job id.</summary>
    public long Id { get; init; }

    /// <summary>Job name.</summary>
    public string Name { get; init; } = "";

    /// <summary>Owning tenant.</summary>
    public string Tenant { get; init; } = "";

    /// <summary>Current state.</summary>
    public JobState State { get; init; }

    /// <summary>Priority 1..9.</summary>
    public int Priority { get; init; }

    /// <summary>Whether more important work may evict it.</summary>
    public bool Preemptible { get; init; }

    /// <summary>Number of replicas (a gang when more than one).</summary>
    public int Replicas { get; init; }

    /// <summary>Per-replica resources as submitted.</summary>
    public JobResources Resources { get; init; } = new();

    /// <summary>Command each replica runs.</summary>
    public IReadOnlyList<string> Command { get; init; } = [];

    /// <summary>Environment of each replica.</summary>
    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();

    /// <summary>Retries allowed.</summary>
    public int MaxRetries { get; init; }

    /// <summary>Why the job is pending (or why it failed); null while it runs.</summary>
    public PendingReasonView? Reason { get; init; }

    /// <summary>Where each bound replica runs.</summary>
    public IReadOnlyList<PlacementView> Placements { get; init; } = [];

    /// <summary>Every replica (task), bound or not.</summary>
    public IReadOnlyList<TaskView> Tasks { get; init; } = [];

    /// <summary>History, oldest first.</summary>
    public IReadOnlyList<JobEventView> Events { get; init; } = [];

    /// <summary>Retries used so far (all replicas together).</summary>
    public int Retries { get; init; }

    /// <summary>Exit code of the failing replica, or 0 when succeeded; null while not finished.</summary>
    public int? ExitCode { get; init; }

    /// <summary>When the job was accepted.</summary>
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>Where one replica is placed: the node and the GPU indices on it.</summary>
public sealed record PlacementView
{
    /// <summary>Replica index 0..replicas-1.</summary>
    public int Replica { get; init; }

    /// <summary>Node name.</summary>
    public string Node { get; init; } = "";

    /// <summary>GPU indices on the node (empty when no GPU).</summary>
    public IReadOnlyList<int> Gpus { get; init; } = [];
}

/// <summary>One replica of a job: its state, node, GPUs, attempt and exit code.</summary>
public sealed record TaskView
{
    /// <summary>Server-assigned task id (stable across attempts).</summary>
    public long Id { get; init; }

    /// <summary>Replica index 0..replicas-1.</summary>
    public int Replica { get; init; }

    /// <summary>Current state.</summary>
    public TaskState State { get; init; }

    /// <summary>Node name while bound; null otherwise.</summary>
    public string? Node { get; init; }

    /// <summary>GPU indices while bound.</summary>
    public IReadOnlyList<int> Gpus { get; init; } = [];

    /// <summary>Attempt number, 0 for the first run; goes up on each retry or requeue.</summary>
    public int Attempt { get; init; }

    /// <summary>Exit code of the last attempt, when it exited.</summary>
    public int? ExitCode { get; init; }
}

/// <summary>One event in a job's history.</summary>
public sealed record JobEventView
{
    /// <summary>When it happened.</summary>
    public DateTimeOffset Time { get; init; }

    /// <summary>Event type, e.g. <c>Submitted</c>, <c>Scheduled</c>, <c>Preempted</c>, <c>Started</c>, <c>Exited</c>, <c>Cancelled</c>.</summary>
    public string Type { get; init; } = "";

    /// <summary>The event in words.</summary>
    public string Message { get; init; } = "";
}
