namespace Lepton.Agent.Hardware;

/// <summary>One GPU as <c>nvidia-smi</c> (or a declaration) reports it, with its current utilisation.</summary>
/// <param name="Index">The device index, as used in <c>CUDA_VISIBLE_DEVICES</c>.</param>
/// <param name="Name">The full product name, e.g. <c>NVIDIA A100-SXM4-80GB</c>.</param>
/// <param name="Model">The short model name Lepton schedules on, e.g. <c>A100</c> or <c>V100M32</c>.</param>
/// <param name="MemoryMiB">Total device memory in MiB.</param>
/// <param name="UtilizationPercent">Current compute utilisation, 0–100.</param>
/// <param name="MemoryUsedMiB">Device memory in use, in MiB.</param>
/// <param name="PowerWatts">Measured board power draw (<c>power.draw</c>), or null where the driver does not report it.</param>
public sealed record GpuDevice(int Index, string Name, string Model, long MemoryMiB, double UtilizationPercent, long MemoryUsedMiB,
    double? PowerWatts = null);
