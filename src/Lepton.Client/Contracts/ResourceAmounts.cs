namespace Lepton.Client.Contracts;

/// <summary>A resource vector on the wire (capacities, allocations, quotas) in Lepton's fixed units.</summary>
/// <remarks>GPU is in milli-GPU here (1000 = one whole GPU), unlike <see cref="JobResources"/> which asks for whole GPUs or a share.</remarks>
public sealed record ResourceAmounts
{
    /// <summary>CPU in millicores.</summary>
    public long CpuMilli { get; set; }

    /// <summary>Memory in MiB.</summary>
    public long MemoryMiB { get; set; }

    /// <summary>GPU in milli-GPU (1000 per whole GPU).</summary>
    public long GpuMilli { get; set; }

    /// <summary>FPGA count.</summary>
    public long Fpga { get; set; }

    /// <summary>Network bandwidth in Mbps.</summary>
    public long NetworkMbps { get; set; }
}
