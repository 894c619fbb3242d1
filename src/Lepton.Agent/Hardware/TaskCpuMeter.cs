using System.Runtime.InteropServices;

namespace Lepton.Agent.Hardware;

/// <summary>Counts the CPU time used by the agent's own tasks: every process descending from a task's root pid.</summary>
/// <remarks>
/// A declared agent shares its machine with others (<c>lepton up --agents 2</c>), so the machine-wide <c>/proc/stat</c>
/// figure says nothing about its node. Each call scans <c>/proc/*/stat</c>, keeps the processes whose parent links lead
/// to a root (tasks run in their own PID namespaces, but the agent sees them by host pid), and sums how far their
/// user+system ticks moved since the previous call. A process that was not seen before counts whole: it started after
/// the previous call. Known under-count: ticks of a process that exited between two calls are lost (they go to its
/// parent's reaped-children time, which is not read), and so are those of a process that leaves its tree by
/// re-parenting to the host's init. Scans happen only while tasks run, and the buffers are reused.
/// </remarks>
public sealed class TaskCpuMeter
{
    private const int SysconfClockTicks = 2; // _SC_CLK_TCK on Linux
    private readonly byte[] _buffer = new byte[1024];
    private readonly Dictionary<int, ProcStat> _processes = [];
    private readonly Dictionary<int, bool> _inTree = [];
    private readonly HashSet<int> _roots = [];
    private Dictionary<(int Pid, ulong Start), ulong> _previous = [];
    private Dictionary<(int Pid, ulong Start), ulong> _current = [];

    /// <summary>Clock ticks per second of <c>/proc</c> CPU times (<c>sysconf(_SC_CLK_TCK)</c>, 100 where unknown).</summary>
    public static long ClockTicksPerSecond { get; } = ReadClockTicks();

    /// <summary>Ticks of CPU the trees under <paramref name="roots"/> used since the previous call (all of them on the first).</summary>
    public ulong TicksSince(IEnumerable<int> roots)
    {
        ArgumentNullException.ThrowIfNull(roots);
        _roots.Clear();
        foreach (var root in roots)
        {
            if (root > 1)
            {
                _roots.Add(root);
            }
        }

        _current.Clear();
        ulong used = 0;
        if (_roots.Count > 0)
        {
            Scan();
            _inTree.Clear();
            foreach (var process in _processes.Values)
            {
                if (!InTree(process.Pid))
                {
                    continue;
                }

                var key = (process.Pid, process.StartTicks);
                _current[key] = process.CpuTicks;
                used += _previous.TryGetValue(key, out var before)
                    ? (process.CpuTicks >= before ? process.CpuTicks - before : 0)
                    : process.CpuTicks;
            }
        }

        (_previous, _current) = (_current, _previous);
        return used;
    }

    /// <summary>Whether <paramref name="pid"/> is a root or descends from one; memoised per scan.</summary>
    private bool InTree(int pid)
    {
        var current = pid;
        var result = false;
        // Bounded walk: parent links of a consistent snapshot end at pid 1 or 0, but a reused pid could make a loop.
        for (var depth = 0; depth < 256; depth++)
        {
            if (_roots.Contains(current))
            {
                result = true;
                break;
            }

            if (_inTree.TryGetValue(current, out var known))
            {
                result = known;
                break;
            }

            if (current <= 1 || !_processes.TryGetValue(current, out var process))
            {
                break;
            }

            current = process.ParentPid;
        }

        _inTree[pid] = result;
        return result;
    }

    private void Scan()
    {
        _processes.Clear();
        IEnumerable<string> entries;
        try
        {
            entries = Directory.EnumerateDirectories("/proc");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return;
        }

        foreach (var entry in entries)
        {
            var name = entry.AsSpan(entry.LastIndexOf('/') + 1);
            if (name.IsEmpty || !char.IsAsciiDigit(name[0]))
            {
                continue;
            }

            try
            {
                using var handle = File.OpenHandle(Path.Join(entry, "stat"));
                var read = RandomAccess.Read(handle, _buffer, 0);
                if (ProcStat.TryParse(_buffer.AsSpan(0, read), out var stat))
                {
                    _processes[stat.Pid] = stat;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process exited between listing and reading: it is one of the documented under-counts.
            }
        }
    }

    private static long ReadClockTicks()
    {
        if (!OperatingSystem.IsLinux())
        {
            return 100;
        }

        try
        {
            var ticks = (long)Sysconf(SysconfClockTicks);
            return ticks > 0 ? ticks : 100;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return 100;
        }
    }

    [DllImport("libc", EntryPoint = "sysconf")]
    private static extern nint Sysconf(int name);
}
