namespace Lepton.Client.Contracts;

/// <summary>Why a job is pending: a stable code, a sentence, and per-constraint rejection counts.</summary>
/// <remarks>Codes: <c>Queued</c>, <c>Unschedulable</c> (no node fits now), <c>NeverFits</c> (no current node could ever hold it),
/// <c>QuotaExceeded</c>, <c>GangIncomplete</c>, <c>Preempted</c>, <c>WaitingForPreemption</c>, <c>NoNodes</c>.</remarks>
public sealed record PendingReasonView
{
    /// <summary>Stable machine-readable code.</summary>
    public string Code { get; set; } = "";

    /// <summary>The reason in words.</summary>
    public string Message { get; set; } = "";

    /// <summary>Which constraints ruled out how many nodes.</summary>
    public IReadOnlyList<RejectionView> Rejections { get; set; } = [];
}

/// <summary>One constraint (filter) and how many of the considered nodes it ruled out.</summary>
public sealed record RejectionView
{
    /// <summary>Constraint (filter plugin) name, e.g. <c>Gpu</c> or <c>GpuModel</c>.</summary>
    public string Constraint { get; set; } = "";

    /// <summary>Nodes this constraint ruled out.</summary>
    public int NodesRuledOut { get; set; }

    /// <summary>Nodes considered in total.</summary>
    public int NodesConsidered { get; set; }

    /// <summary>Details in words.</summary>
    public string Message { get; set; } = "";
}
