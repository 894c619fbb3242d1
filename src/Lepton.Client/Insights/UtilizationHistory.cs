namespace Lepton.Client.Insights;

/// <summary>Cluster allocation and live usage over time: <c>GET /api/v1/cluster/utilization</c>, drawn by the dashboard.</summary>
public sealed record UtilizationHistory
{
    /// <summary>Seconds between samples.</summary>
    public double IntervalSeconds { get; init; }

    /// <summary>Samples, oldest first, covering at most the last hour.</summary>
    public IReadOnlyList<UtilizationSample> Samples { get; init; } = [];
}

/// <summary>One point of <see cref="UtilizationHistory"/>: what was allocated and used at a moment, summed over Ready and Draining nodes.</summary>
public sealed record UtilizationSample
{
    /// <summary>When the sample was taken.</summary>
    public DateTimeOffset Time { get; init; }

    /// <summary>Milli-GPU allocated to tasks.</summary>
    public long GpuAllocatedMilli { get; init; }

    /// <summary>Milli-GPU capacity.</summary>
    public long GpuCapacityMilli { get; init; }

    /// <summary>Average live GPU utilisation percent over reporting GPUs; null when none reported.</summary>
    public double? GpuUtilizationPercent { get; init; }

    /// <summary>CPU millicores allocated.</summary>
    public long CpuAllocatedMilli { get; init; }

    /// <summary>CPU millicores capacity.</summary>
    public long CpuCapacityMilli { get; init; }

    /// <summary>Memory MiB allocated.</summary>
    public long MemoryAllocatedMiB { get; init; }

    /// <summary>Memory MiB capacity.</summary>
    public long MemoryCapacityMiB { get; init; }

    /// <summary>Jobs running (Scheduled or Running).</summary>
    public int JobsRunning { get; init; }

    /// <summary>Jobs pending.</summary>
    public int JobsPending { get; init; }
}
