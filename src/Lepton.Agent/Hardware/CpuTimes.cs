using System.Globalization;

namespace Lepton.Agent.Hardware;

/// <summary>Cumulative CPU time of the whole machine from the first line of <c>/proc/stat</c>, in clock ticks.</summary>
/// <param name="Busy">Ticks spent doing work (user, nice, system, irq, softirq, steal).</param>
/// <param name="Idle">Ticks spent idle or waiting for I/O.</param>
public readonly record struct CpuTimes(ulong Busy, ulong Idle)
{
    /// <summary>Parses the aggregate <c>cpu</c> line of <c>/proc/stat</c>.</summary>
    /// <exception cref="FormatException">There is no aggregate line or it has fewer than four numbers.</exception>
    public static CpuTimes Parse(string procStat)
    {
        ArgumentNullException.ThrowIfNull(procStat);
        var line = procStat.Split('\n').FirstOrDefault(l => l.StartsWith("cpu ", StringComparison.Ordinal))
            ?? throw new FormatException("/proc/stat: no aggregate 'cpu' line");
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 5)
        {
            throw new FormatException($"/proc/stat: 'cpu' line has {fields.Length - 1} numbers, expected at least 4");
        }

        var values = new ulong[fields.Length - 1];
        for (var i = 1; i < fields.Length; i++)
        {
            if (!ulong.TryParse(fields[i], NumberStyles.None, CultureInfo.InvariantCulture, out values[i - 1]))
            {
                throw new FormatException($"/proc/stat: 'cpu' field {i} is '{fields[i]}', not a number");
            }
        }

        // user nice system idle iowait irq softirq steal [guest guest_nice]; guest time is already inside user/nice.
        ulong idle = values[3] + (values.Length > 4 ? values[4] : 0);
        ulong busy = values[0] + values[1] + values[2];
        for (var i = 5; i < Math.Min(values.Length, 8); i++)
        {
            busy += values[i];
        }

        return new CpuTimes(busy, idle);
    }

    /// <summary>The share of time busy between <paramref name="earlier"/> and this sample, 0–100; 0 when no time passed.</summary>
    public double PercentBusySince(CpuTimes earlier)
    {
        var busy = Busy >= earlier.Busy ? Busy - earlier.Busy : 0;
        var idle = Idle >= earlier.Idle ? Idle - earlier.Idle : 0;
        var total = busy + idle;
        return total == 0 ? 0 : 100.0 * busy / total;
    }

    /// <summary>Reads this machine's <c>/proc/stat</c>; null where it does not exist (not Linux).</summary>
    public static CpuTimes? ReadCurrent() =>
        File.Exists("/proc/stat") ? Parse(File.ReadAllText("/proc/stat")) : null;
}
