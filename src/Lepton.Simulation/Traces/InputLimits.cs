using System.Globalization;

namespace Lepton.Simulation.Traces;

/// <summary>How big an input file Lepton reads, and the one-line refusal past it.</summary>
/// <remarks>
/// CSV is read a line at a time, so its limit is about what the result costs in memory: a gigabyte of rows is tens of
/// millions of tasks, more than a placement or replay of one machine should be asked to hold. YAML is parsed into a
/// document tree first (YamlDotNet), which costs tens of times the file's size, so its limit is far lower; a job spec
/// is one small document. A line longer than <see cref="MaxLineChars"/> is refused as it is read, so a file with no line
/// breaks (a binary or a sparse file) never becomes one giant string. The file's size is checked before the first byte
/// is read, so a 10 GiB file is refused at once instead of exhausting memory or time.
/// </remarks>
public static class InputLimits
{
    /// <summary>Largest CSV node, task, pod or job file: 1 GiB.</summary>
    public const long MaxCsvBytes = 1L << 30;

    /// <summary>Largest YAML node, task or job file: 64 MiB.</summary>
    public const long MaxYamlBytes = 64L << 20;

    /// <summary>Longest line of a CSV file, in characters: 1 Mi.</summary>
    public const int MaxLineChars = 1 << 20;

    /// <summary>Refuses <paramref name="path"/> when it is larger than <paramref name="maxBytes"/> (no-op for a missing file).</summary>
    /// <exception cref="TraceFormatException">The file is too large; the message gives both sizes.</exception>
    public static void EnsureSize(string path, long maxBytes, string what)
    {
        var info = new FileInfo(path);
        if (info.Exists && info.Length > maxBytes)
        {
            throw new TraceFormatException(path, 0, "size",
                $"the file is {Size(info.Length)}; Lepton reads {what} files of up to {Size(maxBytes)}");
        }
    }

    /// <summary>A byte count in binary units: <c>64 MiB</c>, <c>10 GiB</c>.</summary>
    public static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 => (bytes / (double)(1L << 30)).ToString("0.#", CultureInfo.InvariantCulture) + " GiB",
        >= 1L << 20 => (bytes / (double)(1L << 20)).ToString("0.#", CultureInfo.InvariantCulture) + " MiB",
        >= 1L << 10 => (bytes / (double)(1L << 10)).ToString("0.#", CultureInfo.InvariantCulture) + " KiB",
        _ => bytes.ToString(CultureInfo.InvariantCulture) + " bytes",
    };
}
