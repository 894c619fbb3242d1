namespace Lepton.Client.Contracts;

/// <summary>Body of <c>GET /api/v1/nodes/reclaimable</c>: nodes with nothing allocated for longer than the reclaim threshold.</summary>
/// <remarks>Switching such a node off (or returning it to the cloud) would save its price and its idle power.</remarks>
public sealed record ReclaimableNodes
{
    /// <summary>How long a node must hold nothing before it is reported, in seconds.</summary>
    public double ReclaimAfterSeconds { get; set; }

    /// <summary>The reclaimable nodes, longest idle first.</summary>
    public IReadOnlyList<ReclaimableNode> Nodes { get; set; } = [];

    /// <summary>Sum of their prices per hour.</summary>
    public double PricePerHourSaved { get; set; }

    /// <summary>Sum of their idle power, in watts.</summary>
    public double IdleWattsSaved { get; set; }
}

/// <summary>One node that has held no task for longer than the reclaim threshold.</summary>
public sealed record ReclaimableNode
{
    /// <summary>Node name.</summary>
    public string Name { get; set; } = "";

    /// <summary><c>Ready</c> or <c>Draining</c>.</summary>
    public string State { get; set; } = "";

    /// <summary>Since when nothing has been allocated on it (as observed by this server run).</summary>
    public DateTimeOffset IdleSince { get; set; }

    /// <summary>How long it has been idle, in seconds.</summary>
    public double IdleSeconds { get; set; }

    /// <summary>GPU model, empty for a CPU-only node.</summary>
    public string GpuModel { get; set; } = "";

    /// <summary>Number of GPUs.</summary>
    public int Gpus { get; set; }

    /// <summary>Price per hour it would save.</summary>
    public double PricePerHour { get; set; }

    /// <summary>Idle power in watts it would save.</summary>
    public double IdleWatts { get; set; }
}
