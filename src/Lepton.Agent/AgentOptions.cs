using Lepton.Agent.Hardware;

namespace Lepton.Agent;

/// <summary>How an agent reaches its server and describes its node.</summary>
public sealed record AgentOptions
{
    /// <summary>The server's base URL, e.g. <c>http://127.0.0.1:8080</c>.</summary>
    public required Uri Server { get; init; }

    /// <summary>An agent (or admin) token.</summary>
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
}
