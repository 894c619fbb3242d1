using System.Diagnostics;

namespace Lepton.Agent.Hardware;

/// <summary>Detects this machine's resources and samples its live usage (CPU %, memory, GPUs).</summary>
/// <remarks>Detection reads <c>/proc/meminfo</c>, <see cref="Environment.ProcessorCount"/> (which honours the cgroup CPU
/// limit and affinity, unlike counting <c>/proc/cpuinfo</c> lines) and <c>nvidia-smi</c> when present. CPU % is the busy
/// share of <c>/proc/stat</c> ticks between two consecutive <see cref="Sample"/> calls. When the CPU is declared, the node
/// is not the machine (several agents may share one), so CPU % is instead what the agent's own tasks used since the
/// previous sample as a share of the declared cores (see <see cref="TaskCpuMeter"/>); memory stays machine-wide.
/// <para>Power: GPUs report their own draw through <c>nvidia-smi</c>; CPU package power comes from RAPL (see
/// <see cref="RaplMeter"/>), except on a declared node, where the machine-wide figure would be counted by every agent on it.</para></remarks>
public sealed class HardwareDetector
{
    private static readonly TimeSpan NvidiaSmiTimeout = TimeSpan.FromSeconds(10);
    private readonly bool _queryGpus;
    private readonly TaskCpuMeter? _taskCpu;
    private readonly double _declaredCores;
    private readonly RaplMeter? _rapl;
    private readonly long _started = Stopwatch.GetTimestamp();
    private CpuTimes? _previous;
    private long _previousTimestamp;

    /// <summary>Creates a detector; <paramref name="queryGpus"/> false skips <c>nvidia-smi</c> (GPUs declared only).</summary>
    /// <param name="queryGpus">Whether to ask <c>nvidia-smi</c>.</param>
    /// <param name="declaredCpuMilli">The CPU given with <c>--declare</c>; when set, CPU % counts the agent's tasks only.</param>
    /// <param name="powercapRoot">Where RAPL zones live (<see cref="RaplMeter.DefaultRoot"/>; tests pass a fake folder); null
    /// measures no CPU power.</param>
    public HardwareDetector(bool queryGpus = true, long? declaredCpuMilli = null, string? powercapRoot = RaplMeter.DefaultRoot)
    {
        _queryGpus = queryGpus;
        _rapl = declaredCpuMilli is > 0 || powercapRoot is null ? null : new RaplMeter(powercapRoot);
        if (declaredCpuMilli is > 0 and var milli)
        {
            _taskCpu = new TaskCpuMeter();
            _declaredCores = milli / 1000.0;
            _previousTimestamp = Stopwatch.GetTimestamp();
        }
        else
        {
            _previous = CpuTimes.ReadCurrent();
        }
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
    /// <param name="taskPids">Root pids of the tasks running now; only read when the CPU is declared.</param>
    public LiveUsage Sample(IEnumerable<int>? taskPids = null)
    {
        var cpu = _taskCpu is null ? MachineCpuPercent() : TaskCpuPercent(taskPids ?? []);
        var memory = MemInfo.ReadCurrent() ?? default;
        var gpus = _queryGpus ? NvidiaSmi.Query(NvidiaSmiTimeout) : [];
        var cpuWatts = _rapl?.ReadWatts(Stopwatch.GetElapsedTime(_started));
        return new LiveUsage(Math.Round(cpu, 1), memory.UsedMiB, memory.TotalMiB, gpus, cpuWatts is { } w ? Math.Round(w, 1) : null);
    }

    private double MachineCpuPercent()
    {
        var now = CpuTimes.ReadCurrent();
        var cpu = now is { } current && _previous is { } previous ? current.PercentBusySince(previous) : 0;
        _previous = now;
        return cpu;
    }

    private double TaskCpuPercent(IEnumerable<int> taskPids)
    {
        var ticks = _taskCpu!.TicksSince(taskPids);
        var now = Stopwatch.GetTimestamp();
        var seconds = Stopwatch.GetElapsedTime(_previousTimestamp, now).TotalSeconds;
        _previousTimestamp = now;
        var capacity = seconds * _declaredCores * TaskCpuMeter.ClockTicksPerSecond;
        // Capped: tasks may use more cores than declared (nothing pins them), but the card shows a share of the node.
        return capacity <= 0 ? 0 : Math.Min(100, 100.0 * ticks / capacity);
    }
}
