namespace Lepton.Client.Contracts;

/// <summary>Where a job is in its life.</summary>
public enum JobState
{
    /// <summary>Waiting for room; <see cref="JobView.Reason"/> says why.</summary>
    Pending,

    /// <summary>Every replica is bound to a node; agents have not started them all yet.</summary>
    Scheduled,

    /// <summary>Every replica has started.</summary>
    Running,

    /// <summary>Every replica exited 0.</summary>
    Succeeded,

    /// <summary>A replica failed past its retries, or the job can never run.</summary>
    Failed,

    /// <summary>Cancelled by its tenant or an admin.</summary>
    Cancelled,
}
