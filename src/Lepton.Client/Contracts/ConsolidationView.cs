namespace Lepton.Client.Contracts;

/// <summary>Body of <c>GET /api/v1/cluster/consolidation</c> (and of its POST, which applies it): the fewest moves of
/// preemptible jobs that free the most whole GPUs or nodes, within a cap.</summary>
public sealed record ConsolidationView
{
    /// <summary><c>gpus</c> or <c>nodes</c>.</summary>
    public string Goal { get; set; } = "gpus";

    /// <summary>The cap on moved tasks.</summary>
    public int MaxMoves { get; set; }

    /// <summary>The moves, in order.</summary>
    public IReadOnlyList<ConsolidationMoveView> Moves { get; set; } = [];

    /// <summary>Fully free GPUs on Ready nodes now.</summary>
    public int FreeGpusBefore { get; set; }

    /// <summary>Fully free GPUs on Ready nodes after the moves.</summary>
    public int FreeGpusAfter { get; set; }

    /// <summary>Ready nodes running nothing now.</summary>
    public int FreeNodesBefore { get; set; }

    /// <summary>Ready nodes running nothing after the moves.</summary>
    public int FreeNodesAfter { get; set; }

    /// <summary>What produced the plan.</summary>
    public string Source { get; set; } = "";

    /// <summary>How it was found.</summary>
    public string Note { get; set; } = "";

    /// <summary>True when the moved jobs were requeued (POST).</summary>
    public bool Applied { get; set; }

    /// <summary>Ids of the jobs requeued (POST).</summary>
    public IReadOnlyList<long> RequeuedJobs { get; set; } = [];
}

/// <summary>One moved task: its job, and from where to where (node name and GPU indices).</summary>
public sealed record ConsolidationMoveView
{
    /// <summary>The job the task belongs to.</summary>
    public long JobId { get; set; }

    /// <summary>The replica index.</summary>
    public int Replica { get; set; }

    /// <summary>Node it runs on now.</summary>
    public string FromNode { get; set; } = "";

    /// <summary>GPU indices it holds now.</summary>
    public IReadOnlyList<int> FromGpus { get; set; } = [];

    /// <summary>Node the plan puts it on (the scheduler places the requeued job afresh).</summary>
    public string ToNode { get; set; } = "";

    /// <summary>GPU indices the plan gives it there.</summary>
    public IReadOnlyList<int> ToGpus { get; set; } = [];
}
