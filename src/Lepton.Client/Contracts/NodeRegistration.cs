namespace Lepton.Client.Contracts;

/// <summary>Body of <c>POST /api/v1/agent/register</c>: what an agent's machine offers.</summary>
/// <remarks>Registering again under the same name updates the node (an agent restart) and needs the node's own credential
/// (<see cref="NodeRegistered.NodeToken"/>); tasks still bound there stay bound and are reconciled by the next heartbeat.
/// All GPUs of a node must be one model.</remarks>
public sealed record NodeRegistration
{
    /// <summary>Unique node name.</summary>
    public string Name { get; set; } = "";

    /// <summary>Allocatable CPU in millicores.</summary>
    public long CpuMilli { get; set; }

    /// <summary>Allocatable memory in MiB.</summary>
    public long MemoryMiB { get; set; }

    /// <summary>The node's GPUs.</summary>
    public IReadOnlyList<GpuDevice> Gpus { get; set; } = [];

    /// <summary>FPGAs.</summary>
    public int Fpga { get; set; }

    /// <summary>Network bandwidth in Mbps (0: not accounted).</summary>
    public long NetworkMbps { get; set; }

    /// <summary>RDMA NICs (each 1000 milli-NIC); 0: none, so no RDMA job is placed here.</summary>
    public int RdmaNics { get; set; }

    /// <summary>Labels such as <c>zone=eu-1</c>.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; set; } = new Dictionary<string, string>();

    /// <summary>Price per hour.</summary>
    public double PricePerHour { get; set; }

    /// <summary>Idle power in watts.</summary>
    public double IdleWatts { get; set; }

    /// <summary>Peak power in watts.</summary>
    public double PeakWatts { get; set; }

    /// <summary>Address peers of a gang use to reach this node (host or host:port); optional.</summary>
    public string? Address { get; set; }

    /// <summary>How the agent isolates tasks: <c>namespaces</c>, or <c>none</c> when its operator turned isolation off;
    /// optional (older agents do not say).</summary>
    public string? Isolation { get; set; }
}

/// <summary>Response to a registration.</summary>
public sealed record NodeRegistered
{
    /// <summary>The registered node name.</summary>
    public string Name { get; set; } = "";

    /// <summary>How often the server expects a heartbeat, in seconds.</summary>
    public double HeartbeatIntervalSeconds { get; set; }

    /// <summary>The node's own credential, issued when a join (agent) token registers a node: only it may heartbeat, report
    /// and upload logs for this node, and register it again. Shown once; null when the caller already used the node's credential.</summary>
    public string? NodeToken { get; set; }
}
