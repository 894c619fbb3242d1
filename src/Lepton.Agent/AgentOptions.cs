using Lepton.Agent.Execution;
using Lepton.Agent.Hardware;

namespace Lepton.Agent;

/// <summary>How an agent reaches its server and describes its node.</summary>
public sealed record AgentOptions
{
    /// <summary>The server's base URL, e.g. <c>http://127.0.0.1:8080</c>.</summary>
    public required Uri Server { get; init; }

    /// <summary>Further servers of the same cluster (followers of a shared store), tried in turn when one stops answering.</summary>
    public IReadOnlyList<Uri> OtherServers { get; init; } = [];

    /// <summary>An agent (or admin) token; read from a file or the environment, never from the command line.</summary>
    public required string Token { get; init; }

    /// <summary>The node name; defaults to the host name.</summary>
    public string Name { get; init; } = Environment.MachineName;

    /// <summary>Labels such as <c>zone=eu-1</c>.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>Price per hour of this machine.</summary>
    public double PricePerHour { get; init; }

    /// <summary>Idle power draw in watts (reported for reclaimable-node savings).</summary>
    public double IdleWatts { get; init; }

    /// <summary>Peak power draw in watts.</summary>
    public double PeakWatts { get; init; }

    /// <summary>Resources that override detection.</summary>
    public DeclaredResources Declared { get; init; } = DeclaredResources.None;

    /// <summary>Whether to ask <c>nvidia-smi</c> for GPUs and their usage.</summary>
    public bool DetectGpus { get; init; } = true;

    /// <summary>The heartbeat period; null takes the one the server asks for at registration.</summary>
    public TimeSpan? HeartbeatInterval { get; init; }

    /// <summary>Where task working directories and the agent's ledger live.</summary>
    public required string WorkDirectory { get; init; }

    /// <summary>The address gang peers use to reach this node; null lets the server use the node name.</summary>
    public string? Address { get; init; }

    /// <summary>How long a stopped task gets between SIGTERM and SIGKILL.</summary>
    public TimeSpan StopGrace { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often captured output is shipped to the server.</summary>
    public TimeSpan LogFlushInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How tasks are isolated; <see cref="IsolationMode.None"/> only when the operator asks for it.</summary>
    public IsolationMode Isolation { get; init; } = IsolationMode.Namespaces;

    /// <summary>The account tasks run as when the agent is root; null takes <c>nobody</c>. Must be null when the agent is not root.</summary>
    public TaskUser? RunAs { get; init; }

    /// <summary>Paths tasks must not see besides <see cref="WorkDirectory"/> (always hidden): token files, the server's data dir.</summary>
    public IReadOnlyList<string> HiddenPaths { get; init; } = [];

    /// <summary>Tells whether this machine can isolate tasks: null when it can, otherwise why not. Null takes the real check
    /// (a trial task in a <see cref="TaskSandbox"/>); tests inject a failing one.</summary>
    public Func<string?>? IsolationProbe { get; init; }

    /// <summary>How long the working directory of a finished task is kept (for a look at what it left) before it is deleted.</summary>
    public TimeSpan TaskDirectoryRetention { get; init; } = TimeSpan.FromHours(1);
}
