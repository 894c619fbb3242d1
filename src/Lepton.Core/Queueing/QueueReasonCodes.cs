namespace Lepton.Core.Queueing;

/// <summary>The stable codes of <see cref="QueueReason"/>.</summary>
public static class QueueReasonCodes
{
    /// <summary>Accepted, not yet considered by a cycle.</summary>
    public const string Queued = "Queued";

    /// <summary>No node has room now (and no lower-priority preemptible work could make room).</summary>
    public const string Unschedulable = "Unschedulable";

    /// <summary>No current node could hold it even when empty; it waits for a bigger node to join.</summary>
    public const string NeverFits = "NeverFits";

    /// <summary>Binding it would take its tenant past its quota.</summary>
    public const string QuotaExceeded = "QuotaExceeded";

    /// <summary>Each replica fits somewhere, but not all replicas of the gang at once.</summary>
    public const string GangIncomplete = "GangIncomplete";

    /// <summary>Evicted by a more important job.</summary>
    public const string Preempted = "Preempted";

    /// <summary>No node is registered (or none is Ready).</summary>
    public const string NoNodes = "NoNodes";

    /// <summary>It could start, but the queue discipline keeps it behind a job that cannot: strict order (no backfill), or
    /// under EASY backfill it would delay the head job's reservation.</summary>
    public const string Blocked = "Blocked";

    /// <summary>A replica failed or was lost; the job waits to be placed again.</summary>
    public const string Retrying = "Retrying";

    /// <summary>Fair share: binding it would take its tenant past its guarantee plus borrowing limit.</summary>
    public const string BorrowingLimit = "BorrowingLimit";

    /// <summary>Fair share: no idle capacity now, and the job cannot reclaim any (it would borrow itself, or what others
    /// borrow is not preemptible); the message names the borrowers.</summary>
    public const string FairShare = "FairShare";
}
