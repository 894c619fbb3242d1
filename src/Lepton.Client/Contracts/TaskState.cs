namespace Lepton.Client.Contracts;

/// <summary>Where one replica (task) is in its life.</summary>
public enum TaskState
{
    /// <summary>Not bound to a node.</summary>
    Pending,

    /// <summary>Bound to a node; the agent has not reported it started.</summary>
    Scheduled,

    /// <summary>The agent reported the process started.</summary>
    Running,

    /// <summary>Exited 0.</summary>
    Succeeded,

    /// <summary>Exited non-zero past its retries, or lost for good.</summary>
    Failed,

    /// <summary>Cancelled with its job.</summary>
    Cancelled,
}
