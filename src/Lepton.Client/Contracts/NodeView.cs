namespace Lepton.Client.Contracts;

/// <summary>A node as <c>GET /api/v1/nodes</c> returns it: capacity, allocation, live usage, GPUs, cost and power.</summary>
public sealed record NodeView
{
    /// <summary>Node name.</summary>
    public string Name { get; init; } = "";

    /// <summary><c>Ready</c>, <c>Draining</c> or <c>Down</c>.</summary>
    public string State { get; init; } = "";

    /// <summary>Allocatable capacity.</summary>
    public ResourceAmounts Capacity { get; init; } = new();

    /// <summary>Sum of the requests of tasks bound here.</summary>
    public ResourceAmounts Allocated { get; init; } = new();

    /// <summary>Last live usage reported; null before the first heartbeat.</summary>
    public NodeUsage? Usage { get; init; }

    /// <summary>GPU model (empty for a CPU-only node).</summary>
    public string GpuModel { get; init; } = "";

    /// <summary>Per-GPU view: index, model, memory and milli-GPU allocated.</summary>
    public IReadOnlyList<NodeGpuView> Gpus { get; init; } = [];

    /// <summary>Labels.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>Price per hour.</summary>
    public double PricePerHour { get; init; }

    /// <summary>Idle power in watts.</summary>
    public double IdleWatts { get; init; }

    /// <summary>Peak power in watts.</summary>
    public double PeakWatts { get; init; }

    /// <summary>Peer address, if the agent gave one.</summary>
    public string? Address { get; init; }

    /// <summary>Last heartbeat (or registration) time.</summary>
    public DateTimeOffset? LastHeartbeat { get; init; }

    /// <summary>Number of tasks bound here.</summary>
    public int Tasks { get; init; }
}

/// <summary>One GPU of a node with its allocation.</summary>
public sealed record NodeGpuView
{
    /// <summary>Device index.</summary>
    public int Index { get; init; }

    /// <summary>Model name.</summary>
    public string Model { get; init; } = "";

    /// <summary>Device memory in MiB.</summary>
    public long MemoryMiB { get; init; }

    /// <summary>Milli-GPU allocated to tasks (0..1000).</summary>
    public int AllocatedMilli { get; init; }

    /// <summary>Live utilisation percent, if reported.</summary>
    public double? UtilizationPercent { get; init; }

    /// <summary>Live memory used in MiB, if reported.</summary>
    public long? MemoryUsedMiB { get; init; }
}
