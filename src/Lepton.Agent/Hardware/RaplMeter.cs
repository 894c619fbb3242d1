using System.Globalization;

namespace Lepton.Agent.Hardware;

/// <summary>Measures CPU power from the RAPL energy counters under <c>/sys/class/powercap</c> (Intel, and AMD through the same
/// interface): energy used between two reads, divided by the time between them.</summary>
/// <remarks>
/// Only top-level package zones count (<c>intel-rapl:0</c>, <c>intel-rapl:1</c>…): their sub-zones (core, uncore, dram)
/// are parts of the package figure, and a <c>psys</c> zone covers the whole platform, overlapping the packages, so both
/// would count energy twice. A counter wraps at <c>max_energy_range_uj</c>; a read lower than the one before is taken as
/// one wrap. Since Linux 5.10 <c>energy_uj</c> is readable by root only: an agent that cannot read it measures nothing and
/// the server estimates instead.
/// </remarks>
public sealed class RaplMeter
{
    /// <summary>The sysfs directory the kernel exposes power-capping zones under.</summary>
    public const string DefaultRoot = "/sys/class/powercap";

    private readonly string _root;
    private readonly Dictionary<string, long> _previous = new(StringComparer.Ordinal);
    private TimeSpan? _previousTime;

    /// <summary>Creates a meter over <paramref name="root"/> (tests pass a fake sysfs folder).</summary>
    public RaplMeter(string root = DefaultRoot) => _root = root;

    /// <summary>Average CPU package power in watts since the previous call; null on the first call, when no zone can be read,
    /// or when no time has passed.</summary>
    /// <param name="now">A monotonic time (e.g. <see cref="System.Diagnostics.Stopwatch.GetElapsedTime(long)"/> since start).</param>
    public double? ReadWatts(TimeSpan now)
    {
        var zones = ReadZones();
        double? watts = null;
        if (zones.Count > 0 && _previousTime is { } before && now > before)
        {
            double joules = 0;
            var matched = 0;
            foreach (var (zone, (energy, range)) in zones)
            {
                if (!_previous.TryGetValue(zone, out var last))
                {
                    continue;
                }

                var delta = energy >= last ? energy - last : (range > last ? range - last + energy : 0);
                joules += delta / 1e6;
                matched++;
            }

            if (matched > 0)
            {
                watts = joules / (now - before).TotalSeconds;
            }
        }

        _previous.Clear();
        foreach (var (zone, (energy, _)) in zones)
        {
            _previous[zone] = energy;
        }

        _previousTime = zones.Count > 0 ? now : null;
        return watts;
    }

    private Dictionary<string, (long Energy, long Range)> ReadZones()
    {
        var zones = new Dictionary<string, (long, long)>(StringComparer.Ordinal);
        IEnumerable<string> entries;
        try
        {
            entries = Directory.Exists(_root) ? Directory.EnumerateDirectories(_root) : [];
            foreach (var entry in entries)
            {
                var name = Path.GetFileName(entry);
                // Top-level zones only: "intel-rapl:0", not "intel-rapl:0:1" (a part of package 0).
                if (!name.StartsWith("intel-rapl:", StringComparison.Ordinal) || name.Count(c => c == ':') != 1)
                {
                    continue;
                }

                if (ReadText(Path.Combine(entry, "name")) is "psys" || ReadNumber(Path.Combine(entry, "energy_uj")) is not { } energy)
                {
                    continue;
                }

                zones[name] = (energy, ReadNumber(Path.Combine(entry, "max_energy_range_uj")) ?? 0);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            zones.Clear();
        }

        return zones;
    }

    private static string? ReadText(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static long? ReadNumber(string path) =>
        ReadText(path) is { } text && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
}
