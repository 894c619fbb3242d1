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
}
