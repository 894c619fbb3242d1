using System.Globalization;

namespace Lepton.Client.Specs;

/// <summary>Parses the Kubernetes-style quantities of the YAML job spec into Lepton's fixed API units.</summary>
/// <remarks>
/// CPU: cores (<c>4</c>, <c>0.5</c>) or millicores (<c>500m</c>) → millicores.
/// Memory: binary (<c>Ki Mi Gi Ti</c>) or decimal (<c>k M G T</c>) byte suffixes → MiB, rounded up so that a request
/// never shrinks. A bare number is refused for memory because "16" could mean bytes or GiB.
/// Network: <c>Mbps</c> / <c>Gbps</c> / <c>Kbps</c> (rounded up), or a bare number of Mbps.
/// Each parse returns null when the text is not a quantity of that kind, so the caller can name the file, line and field.
/// </remarks>
public static class QuantityParser
{
    /// <summary>Parses a CPU quantity into millicores, or null when it is not one.</summary>
    public static long? ParseCpuMilli(string text)
    {
        var s = text.Trim();
        if (s.EndsWith('m'))
        {
            return long.TryParse(s[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var milli) ? milli : null;
        }

        return TryDecimal(s, out var cores) ? Scale(cores, 1000m) : null;
    }

    /// <summary>Parses a memory quantity into MiB (rounded up), or null when it is not one.</summary>
    public static long? ParseMemoryMiB(string text)
    {
        var s = text.Trim();
        (string Suffix, decimal Bytes)[] units =
        [
            ("Ki", 1024m), ("Mi", 1024m * 1024), ("Gi", 1024m * 1024 * 1024), ("Ti", 1024m * 1024 * 1024 * 1024),
            ("k", 1e3m), ("K", 1e3m), ("M", 1e6m), ("G", 1e9m), ("T", 1e12m),
        ];
        foreach (var (suffix, bytes) in units)
        {
            if (s.EndsWith(suffix, StringComparison.Ordinal) && TryDecimal(s[..^suffix.Length], out var amount))
            {
                return Scale(amount, bytes / (1024m * 1024m));
            }
        }

        return null;
    }

    /// <summary>Parses a network bandwidth into Mbps (rounded up), or null when it is not one.</summary>
    public static long? ParseNetworkMbps(string text)
    {
        var s = text.Trim();
        (string Suffix, decimal Mbps)[] units = [("Kbps", 0.001m), ("Mbps", 1m), ("Gbps", 1000m), ("Tbps", 1_000_000m)];
        foreach (var (suffix, mbps) in units)
        {
            if (s.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) && TryDecimal(s[..^suffix.Length], out var amount))
            {
                return Scale(amount, mbps);
            }
        }

        return TryDecimal(s, out var plain) ? Scale(plain, 1m) : null;
    }

    private static bool TryDecimal(string s, out decimal value) =>
        decimal.TryParse(s.Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value) && s.Trim().Length > 0;

    /// <summary>amount × factor rounded up, or null when it does not fit a long (absurd input is "not a quantity", not a crash).</summary>
    private static long? Scale(decimal amount, decimal factor)
    {
        try
        {
            var value = decimal.Ceiling(amount * factor);
            return value > long.MaxValue ? null : (long)value;
        }
        catch (OverflowException)
        {
            return null;
        }
    }
}
