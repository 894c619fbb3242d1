namespace Lepton.Agent.Hardware;

/// <summary>Detects this machine's resources and samples its live usage (CPU %, memory, GPUs).</summary>
/// <remarks>Detection reads <c>/proc/meminfo</c>, <see cref="Environment.ProcessorCount"/> (which honours the cgroup CPU
/// limit and affinity, unlike counting <c>/proc/cpuinfo</c> lines) and <c>nvidia-smi</c> when present. CPU % is the busy
/// share of <c>/proc/stat</c> ticks between two consecutive <see cref="Sample"/> calls.</remarks>
public sealed class HardwareDetector
{
    private static readonly TimeSpan NvidiaSmiTimeout = TimeSpan.FromSeconds(10);
    private readonly bool _queryGpus;
    private CpuTimes? _previous;

    /// <summary>Creates a detector; <paramref name="queryGpus"/> false skips <c>nvidia-smi</c> (GPUs declared only).</summary>
    public HardwareDetector(bool queryGpus = true)
    {
        _queryGpus = queryGpus;
        _previous = CpuTimes.ReadCurrent();
    }

    /// <summary>The machine's resources as detected, with <paramref name="declared"/> applied on top.</summary>
    public MachineResources Detect(DeclaredResources declared)
    {
        ArgumentNullException.ThrowIfNull(declared);
        var memory = MemInfo.ReadCurrent()?.TotalMiB ?? 0;
        var gpus = _queryGpus ? NvidiaSmi.Query(NvidiaSmiTimeout) : [];
        var detected = new MachineResources(Environment.ProcessorCount * 1000L, memory, gpus, 0, 0);
        return declared.ApplyTo(detected);
    }

    /// <summary>Live usage since the previous sample (or since construction).</summary>
    public LiveUsage Sample()
    {
        var now = CpuTimes.ReadCurrent();
        var cpu = now is { } current && _previous is { } previous ? current.PercentBusySince(previous) : 0;
        _previous = now;
        var memory = MemInfo.ReadCurrent() ?? default;
        var gpus = _queryGpus ? NvidiaSmi.Query(NvidiaSmiTimeout) : [];
        return new LiveUsage(Math.Round(cpu, 1), memory.UsedMiB, memory.TotalMiB, gpus);
    }
}
