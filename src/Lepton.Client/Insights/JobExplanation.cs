using Lepton.Client.Contracts;

namespace Lepton.Client.Insights;

/// <summary>Why a job is (or is not) running: <c>GET /api/v1/jobs/{id}/explain</c>, what <c>lepton job explain</c> prints.</summary>
/// <remarks>Computed by the server from the current cluster snapshot and queue with the placement core's explain, so it
/// is a fresh answer, not the reason recorded at the last scheduling cycle.</remarks>
public sealed record JobExplanation
{
    /// <summary>Job id.</summary>
    public long JobId { get; init; }

    /// <summary>Job name.</summary>
    public string Name { get; init; } = "";

    /// <summary>Owning tenant.</summary>
    public string Tenant { get; init; } = "";

    /// <summary>Current state.</summary>
    public JobState State { get; init; }

    /// <summary>Priority 1..9.</summary>
    public int Priority { get; init; }

    /// <summary>The answer in one sentence.</summary>
    public string Summary { get; init; } = "";

    /// <summary>Stable reason code (as in <see cref="PendingReasonView.Code"/>); empty when the job is not pending.</summary>
    public string Code { get; init; } = "";

    /// <summary>1-based place among pending jobs in scheduling order (priority, then age); null when not pending.</summary>
    public int? QueuePosition { get; init; }

    /// <summary>Number of pending jobs in the queue.</summary>
    public int QueueLength { get; init; }

    /// <summary>Nodes the placement considered.</summary>
    public int NodesConsidered { get; init; }

    /// <summary>Each constraint with how many nodes it ruled out, in the order the filters ran.</summary>
    public IReadOnlyList<ConstraintVerdict> Constraints { get; init; } = [];

    /// <summary>What would let the job run, in words, most direct first.</summary>
    public IReadOnlyList<string> WouldRunIf { get; init; } = [];

    /// <summary>Lower-priority preemptible work holding the resources the job needs (what preemption could evict).</summary>
    public IReadOnlyList<BlockingTask> Blockers { get; init; } = [];
}

/// <summary>One constraint (placement filter) and how many of the considered nodes it ruled out.</summary>
public sealed record ConstraintVerdict
{
    /// <summary>Constraint name, e.g. <c>gpu</c>, <c>gpuModel</c>, <c>network</c>, <c>quota</c>.</summary>
    public string Constraint { get; init; } = "";

    /// <summary>Nodes this constraint ruled out.</summary>
    public int NodesRuledOut { get; init; }

    /// <summary>Nodes considered in total.</summary>
    public int NodesConsidered { get; init; }

    /// <summary>Details in words, e.g. <c>0 of 3 nodes have 2 free A100 GPUs</c>.</summary>
    public string Message { get; init; } = "";
}

/// <summary>A running task of another job that holds resources a pending job needs.</summary>
public sealed record BlockingTask
{
    /// <summary>Job id of the holder.</summary>
    public long JobId { get; init; }

    /// <summary>Job name of the holder.</summary>
    public string JobName { get; init; } = "";

    /// <summary>Tenant of the holder (only shown to the admin or the same tenant; otherwise empty).</summary>
    public string Tenant { get; init; } = "";

    /// <summary>Replica index of the holder.</summary>
    public int Replica { get; init; }

    /// <summary>Node it runs on.</summary>
    public string Node { get; init; } = "";

    /// <summary>Priority of the holder.</summary>
    public int Priority { get; init; }

    /// <summary>Whether the holder may be preempted by the pending job.</summary>
    public bool Preemptible { get; init; }

    /// <summary>GPU indices it holds on that node.</summary>
    public IReadOnlyList<int> Gpus { get; init; } = [];
}
