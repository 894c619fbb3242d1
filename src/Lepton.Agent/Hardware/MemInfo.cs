using System.Globalization;

namespace Lepton.Agent.Hardware;

/// <summary>Total and available memory read from <c>/proc/meminfo</c>, in MiB.</summary>
/// <param name="TotalMiB">MemTotal.</param>
/// <param name="AvailableMiB">MemAvailable: what new work can use without swapping.</param>
public readonly record struct MemInfo(long TotalMiB, long AvailableMiB)
{
    /// <summary>Memory in use: total minus available.</summary>
    public long UsedMiB => Math.Max(0, TotalMiB - AvailableMiB);

    /// <summary>Parses the text of <c>/proc/meminfo</c> (values in kB).</summary>
    /// <exception cref="FormatException">MemTotal is missing or not a number.</exception>
    public static MemInfo Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        long? total = null, available = null, free = null;
        foreach (var line in text.Split('\n'))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                continue;
            }

            var key = line[..colon];
            var value = line[(colon + 1)..].Trim();
            if (value.EndsWith(" kB", StringComparison.Ordinal))
            {
                value = value[..^3];
            }

            if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var kb))
            {
                continue;
            }

            switch (key)
            {
                case "MemTotal": total = kb / 1024; break;
                case "MemAvailable": available = kb / 1024; break;
                case "MemFree": free = kb / 1024; break;
            }
        }

        if (total is null)
        {
            throw new FormatException("/proc/meminfo: no MemTotal line");
        }

        // Kernels before 3.14 have no MemAvailable; MemFree is the conservative stand-in.
        return new MemInfo(total.Value, available ?? free ?? 0);
    }

    /// <summary>Reads this machine's <c>/proc/meminfo</c>; null where it does not exist (not Linux).</summary>
    public static MemInfo? ReadCurrent() =>
        File.Exists("/proc/meminfo") ? Parse(File.ReadAllText("/proc/meminfo")) : null;
}
