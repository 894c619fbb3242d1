namespace Lepton.Client.Contracts;

/// <summary>A resource vector on the wire (capacities, allocations, quotas) in Lepton's fixed units.</summary>
/// <remarks>GPU is in milli-GPU here (1000 = one whole GPU), unlike <see cref="JobResources"/> which asks for whole GPUs or a share.</remarks>
public sealed record ResourceAmounts
{
    /// <summary>CPU in millicores.</summary>
    public long CpuMilli { get; init; }

    /// <summary>Memory in MiB.</summary>
    public long MemoryMiB { get; init; }

    /// <summary>GPU in milli-GPU (1000 per whole GPU).</summary>
    public long GpuMilli { get; init; }

    /// <summary>FPGA count.</summary>
    public long Fpga { get; init; }

    /// <summary>Network bandwidth in Mbps.</summary>
    public long NetworkMbps { get; init; }
}
