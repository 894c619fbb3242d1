namespace Lepton.Agent.Hardware;

/// <summary>What the machine is using right now, sent with every heartbeat.</summary>
/// <param name="CpuPercent">Busy share of all cores since the previous sample, 0–100; with declared CPU, the agent's
/// tasks' share of the declared cores.</param>
/// <param name="MemoryUsedMiB">Memory in use (total minus available).</param>
/// <param name="MemoryTotalMiB">Total memory of the machine.</param>
/// <param name="Gpus">Per-GPU utilisation, memory in use and power draw; empty on a machine without <c>nvidia-smi</c>.</param>
/// <param name="CpuWatts">CPU package power measured through RAPL since the previous sample; null where it cannot be read
/// (no RAPL, not root, first sample, or a declared node that is not the whole machine).</param>
public sealed record LiveUsage(double CpuPercent, long MemoryUsedMiB, long MemoryTotalMiB, IReadOnlyList<GpuDevice> Gpus, double? CpuWatts = null);
