namespace Lepton.Client.Contracts;

/// <summary>A node as <c>GET /api/v1/nodes</c> returns it: capacity, allocation, live usage, GPUs, cost and power.</summary>
public sealed record NodeView
{
    /// <summary>Node name.</summary>
    public string Name { get; set; } = "";

    /// <summary><c>Ready</c>, <c>Draining</c> or <c>Down</c>; <c>PoweredOff</c> or <c>Waking</c> while the server's power
    /// controller (<c>lepton serve --power-off-command</c>) has it switched off or is waking it.</summary>
    public string State { get; set; } = "";

    /// <summary>Allocatable capacity.</summary>
    public ResourceAmounts Capacity { get; set; } = new();

    /// <summary>Sum of the requests of tasks bound here.</summary>
    public ResourceAmounts Allocated { get; set; } = new();

    /// <summary>Last live usage reported; null before the first heartbeat.</summary>
    public NodeUsage? Usage { get; set; }

    /// <summary>GPU model (empty for a CPU-only node).</summary>
    public string GpuModel { get; set; } = "";

    /// <summary>Per-GPU view: index, model, memory and milli-GPU allocated.</summary>
    public IReadOnlyList<NodeGpuView> Gpus { get; set; } = [];

    /// <summary>Labels.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; set; } = new Dictionary<string, string>();

    /// <summary>Price per hour.</summary>
    public double PricePerHour { get; set; }

    /// <summary>Idle power in watts.</summary>
    public double IdleWatts { get; set; }

    /// <summary>Peak power in watts.</summary>
    public double PeakWatts { get; set; }

    /// <summary>Peer address, if the agent gave one.</summary>
    public string? Address { get; set; }

    /// <summary>Last heartbeat (or registration) time.</summary>
    public DateTimeOffset? LastHeartbeat { get; set; }

    /// <summary>Number of tasks bound here.</summary>
    public int Tasks { get; set; }

    /// <summary>Power now in watts (measured or estimated, see <see cref="PowerSource"/>); null while the node is not live.</summary>
    public double? PowerWatts { get; set; }

    /// <summary><c>measured</c> or <c>estimated</c>; null with <see cref="PowerWatts"/>.</summary>
    public string? PowerSource { get; set; }

    /// <summary>How the node's agent isolates tasks (<c>namespaces</c> or <c>none</c>); null when the agent did not say.</summary>
    public string? Isolation { get; set; }
}

/// <summary>One GPU of a node with its allocation.</summary>
public sealed record NodeGpuView
{
    /// <summary>Device index.</summary>
    public int Index { get; set; }

    /// <summary>Model name.</summary>
    public string Model { get; set; } = "";

    /// <summary>Device memory in MiB.</summary>
    public long MemoryMiB { get; set; }

    /// <summary>Milli-GPU allocated to tasks (0..1000).</summary>
    public int AllocatedMilli { get; set; }

    /// <summary>Live utilisation percent, if reported.</summary>
    public double? UtilizationPercent { get; set; }

    /// <summary>Live memory used in MiB, if reported.</summary>
    public long? MemoryUsedMiB { get; set; }
}
