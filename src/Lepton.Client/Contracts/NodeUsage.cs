namespace Lepton.Client.Contracts;

/// <summary>Live usage an agent measures and sends with each heartbeat.</summary>
public sealed record NodeUsage
{
    /// <summary>CPU busy percent over the last interval (0..100).</summary>
    public double CpuPercent { get; set; }

    /// <summary>Memory in use, MiB.</summary>
    public long MemoryUsedMiB { get; set; }

    /// <summary>Per-GPU usage.</summary>
    public IReadOnlyList<GpuUsage> Gpus { get; set; } = [];

    /// <summary>CPU package power in watts the agent measured (RAPL) over the last interval; null when it measures none.</summary>
    public double? CpuWatts { get; set; }
}

/// <summary>Live usage of one GPU.</summary>
public sealed record GpuUsage
{
    /// <summary>Device index.</summary>
    public int Index { get; set; }

    /// <summary>Utilisation percent (0..100).</summary>
    public double UtilizationPercent { get; set; }

    /// <summary>Device memory in use, MiB.</summary>
    public long MemoryUsedMiB { get; set; }

    /// <summary>Measured board power draw in watts (<c>nvidia-smi power.draw</c>); null when the device does not report it.</summary>
    public double? PowerWatts { get; set; }
}
