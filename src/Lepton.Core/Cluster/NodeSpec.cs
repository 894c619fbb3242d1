using Lepton.Core.Power;
using Lepton.Core.Resources;

namespace Lepton.Core.Cluster;

/// <summary>A machine: its capacity, GPUs, labels, price, power and state.</summary>
/// <remarks>
/// A node carries <see cref="GpuCount"/> GPUs of one <see cref="GpuModel"/>; each GPU holds 1000 milli-GPU.
/// This matches every public trace we replay (openb, PAI) and nearly every real machine; a machine with two GPU
/// models is registered as two nodes.
/// </remarks>
public sealed record NodeSpec
{
    /// <summary>Unique node name.</summary>
    public required string Name { get; init; }

    /// <summary>Allocatable CPU in millicores.</summary>
    public long CpuMilli { get; init; }

    /// <summary>Allocatable memory in MiB.</summary>
    public long MemoryMiB { get; init; }

    /// <summary>Number of GPUs (each 1000 milli-GPU).</summary>
    public int GpuCount { get; init; }

    /// <summary>GPU model name such as <c>A100</c> or <c>V100M32</c>; empty for a CPU-only node.</summary>
    public string GpuModel { get; init; } = "";

    /// <summary>Number of FPGAs.</summary>
    public int Fpga { get; init; }

    /// <summary>Network bandwidth in Mbps; 0 means the node does not account network (unlimited).</summary>
    public long NetworkMbps { get; init; }

    /// <summary>Number of RDMA NICs (each 1000 milli-NIC); 0 means the node has none, so no RDMA task fits.</summary>
    public int RdmaNics { get; init; }

    /// <summary>Free-form labels such as <c>zone=eu-1</c> or <c>tier=edge</c>.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>Price per hour in the cluster's currency.</summary>
    public double PricePerHour { get; init; }

    /// <summary>Power draw when idle, in watts.</summary>
    public double IdleWatts { get; init; }

    /// <summary>Power draw at full utilisation, in watts.</summary>
    public double PeakWatts { get; init; }

    /// <summary>The node's own power figures (sockets, per-socket and per-GPU watts), overriding <see cref="PowerModel"/>'s defaults; null for none.</summary>
    public NodePowerSpec? Power { get; init; }

    /// <summary>Whether the node takes new work.</summary>
    public NodeState State { get; init; } = NodeState.Ready;

    /// <summary>The node's capacity as a resource vector.</summary>
    public ResourceVector Capacity => new(CpuMilli, MemoryMiB, GpuCount * 1000L, Fpga, NetworkMbps, RdmaNics * 1000L);
}
