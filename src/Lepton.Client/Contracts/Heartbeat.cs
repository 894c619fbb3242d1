namespace Lepton.Client.Contracts;

/// <summary>Body of <c>POST /api/v1/agent/nodes/{name}/heartbeat</c>: live usage and the task attempts the agent is running.</summary>
public sealed record Heartbeat
{
    /// <summary>Live usage.</summary>
    public NodeUsage Usage { get; set; } = new();

    /// <summary>Task attempts the agent currently runs (alive processes).</summary>
    public IReadOnlyList<TaskRef> Running { get; set; } = [];
}

/// <summary>A task attempt: a task id and its attempt number.</summary>
/// <remarks>The attempt tells a stale process (an attempt the server has since requeued) from the current one.</remarks>
public sealed record TaskRef
{
    /// <summary>Task id.</summary>
    public long TaskId { get; set; }

    /// <summary>Attempt number.</summary>
    public int Attempt { get; set; }
}

/// <summary>Response to a heartbeat: what to start and what to kill.</summary>
/// <remarks>
/// <see cref="Assignments"/> lists every task attempt bound to this node that the agent did not report running and that
/// has not been reported exited: the agent starts each (task, attempt) at most once, so it must remember attempts it already
/// started (an attempt that just exited may be listed again until its exit report arrives). <see cref="Kill"/> lists reported
/// attempts the server no longer assigns here (cancelled, preempted, requeued): the agent kills their process trees.
/// </remarks>
public sealed record HeartbeatResponse
{
    /// <summary>Task attempts to start.</summary>
    public IReadOnlyList<TaskAssignment> Assignments { get; set; } = [];

    /// <summary>Task attempts to kill.</summary>
    public IReadOnlyList<TaskRef> Kill { get; set; } = [];

    /// <summary>False when the server does not know this node (e.g. its store was wiped): the agent registers again.</summary>
    public bool Known { get; set; } = true;
}

/// <summary>One task attempt for an agent to run.</summary>
public sealed record TaskAssignment
{
    /// <summary>Task id.</summary>
    public long TaskId { get; set; }

    /// <summary>Attempt number.</summary>
    public int Attempt { get; set; }

    /// <summary>Job id.</summary>
    public long JobId { get; set; }

    /// <summary>Replica index.</summary>
    public int Replica { get; set; }

    /// <summary>Replicas in the job (gang size).</summary>
    public int Replicas { get; set; }

    /// <summary>Command (argv).</summary>
    public IReadOnlyList<string> Command { get; set; } = [];

    /// <summary>Environment.</summary>
    public IReadOnlyDictionary<string, string> Env { get; set; } = new Dictionary<string, string>();

    /// <summary>GPU indices to expose (<c>CUDA_VISIBLE_DEVICES</c>).</summary>
    public IReadOnlyList<int> Gpus { get; set; } = [];

    /// <summary>Addresses of all replicas' nodes, by replica index (the node address, or its name when it gave none).</summary>
    public IReadOnlyList<string> Peers { get; set; } = [];
}
