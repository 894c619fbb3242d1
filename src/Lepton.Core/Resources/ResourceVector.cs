namespace Lepton.Core.Resources;

/// <summary>A multi-resource amount in Lepton's fixed units: CPU millicores, memory MiB, GPU milli-GPU, FPGA count, network Mbps,
/// RDMA milli-NIC.</summary>
/// <remarks>Used both for capacities and for requests. Arithmetic is component-wise; <see cref="FitsIn"/> is the
/// component-wise "less than or equal" that feasibility checks are built on. RDMA NICs are counted like GPUs: one NIC
/// is 1000 milli-NIC, so a task reserving a quarter of one NIC's bandwidth asks for 250.</remarks>
public readonly record struct ResourceVector(long CpuMilli, long MemoryMiB, long GpuMilli, long Fpga, long NetworkMbps, long RdmaMilli = 0)
{
    /// <summary>The empty vector.</summary>
    public static ResourceVector Zero => default;

    public static ResourceVector operator +(ResourceVector a, ResourceVector b) =>
        new(a.CpuMilli + b.CpuMilli, a.MemoryMiB + b.MemoryMiB, a.GpuMilli + b.GpuMilli, a.Fpga + b.Fpga, a.NetworkMbps + b.NetworkMbps,
            a.RdmaMilli + b.RdmaMilli);

    public static ResourceVector operator -(ResourceVector a, ResourceVector b) =>
        new(a.CpuMilli - b.CpuMilli, a.MemoryMiB - b.MemoryMiB, a.GpuMilli - b.GpuMilli, a.Fpga - b.Fpga, a.NetworkMbps - b.NetworkMbps,
            a.RdmaMilli - b.RdmaMilli);

    public static ResourceVector operator *(ResourceVector a, long k) =>
        new(a.CpuMilli * k, a.MemoryMiB * k, a.GpuMilli * k, a.Fpga * k, a.NetworkMbps * k, a.RdmaMilli * k);

    /// <summary>True when every component of this vector is at most the same component of <paramref name="capacity"/>.</summary>
    public bool FitsIn(ResourceVector capacity) =>
        CpuMilli <= capacity.CpuMilli && MemoryMiB <= capacity.MemoryMiB && GpuMilli <= capacity.GpuMilli
        && Fpga <= capacity.Fpga && NetworkMbps <= capacity.NetworkMbps && RdmaMilli <= capacity.RdmaMilli;

    /// <summary>True when no component is negative.</summary>
    public bool IsNonNegative => CpuMilli >= 0 && MemoryMiB >= 0 && GpuMilli >= 0 && Fpga >= 0 && NetworkMbps >= 0 && RdmaMilli >= 0;

    /// <inheritdoc/>
    public override string ToString() =>
        RdmaMilli == 0
            ? $"cpu={CpuMilli}m memory={MemoryMiB}Mi gpu={GpuMilli}m fpga={Fpga} network={NetworkMbps}Mbps"
            : $"cpu={CpuMilli}m memory={MemoryMiB}Mi gpu={GpuMilli}m fpga={Fpga} network={NetworkMbps}Mbps rdma={RdmaMilli}m";
}
