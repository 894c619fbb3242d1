namespace Lepton.Agent.Hardware;

/// <summary>The resources an agent registers for its node: detected, then overridden by <c>--declare</c>.</summary>
/// <param name="CpuMilli">Allocatable CPU in millicores.</param>
/// <param name="MemoryMiB">Allocatable memory in MiB.</param>
/// <param name="Gpus">The GPUs, by index; all of one model (a node carries one GPU model).</param>
/// <param name="Fpga">Number of FPGAs.</param>
/// <param name="NetworkMbps">Network bandwidth in Mbps; 0 means not accounted.</param>
public sealed record MachineResources(long CpuMilli, long MemoryMiB, IReadOnlyList<GpuDevice> Gpus, int Fpga, long NetworkMbps)
{
    /// <summary>The GPU model of this node, or empty when it has no GPU.</summary>
    /// <remarks>When detection finds mixed models (rare), the most common one names the node; DESIGN.md asks such
    /// machines to be registered as two nodes, which <c>--declare</c> allows.</remarks>
    public string GpuModel => Gpus.Count == 0
        ? ""
        : Gpus.GroupBy(g => g.Model, StringComparer.Ordinal).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).First().Key;
}
