using System.Globalization;

namespace Lepton.Core.Resources;

/// <summary>Parses and formats Kubernetes-style quantities in Lepton's fixed units: CPU millicores, memory MiB, network Mbps.</summary>
/// <remarks>
/// <list type="bullet">
/// <item>CPU: <c>4</c> or <c>0.5</c> (cores) or <c>500m</c> (millicores). The result must be a whole number of millicores.</item>
/// <item>Memory: <c>512Mi</c>, <c>16Gi</c>, <c>1Ti</c> (also <c>Ki</c>, <c>Pi</c>), the decimal byte suffixes <c>k</c>, <c>M</c>,
/// <c>G</c>, <c>T</c> as Kubernetes reads them (<c>1G</c> = 10⁹ bytes), or a plain number, which is MiB (unlike Kubernetes,
/// where it is bytes: nobody means 16 bytes of memory). Amounts that are not whole MiB round up.</item>
/// <item>Network: <c>500Mbps</c>, <c>2Gbps</c> (also <c>Kbps</c>, <c>Tbps</c>), or a plain number of Mbps. Amounts below 1 Mbps round up.</item>
/// </list>
/// Suffixes are case-sensitive for memory, where <c>M</c> (10⁶) and <c>Mi</c> (2²⁰) differ; negative amounts are errors.
/// Every error is a <see cref="FormatException"/> whose message quotes the text and shows valid examples.
/// </remarks>
public static class Quantity
{
    private const decimal MiB = 1024m * 1024m;

    /// <summary>Parses a CPU quantity to millicores.</summary>
    /// <exception cref="FormatException">The text is not a CPU quantity.</exception>
    public static long ParseCpuMilli(string text)
    {
        const string Expected = "expected cores (\"4\", \"0.5\") or millicores (\"500m\")";
        var (number, suffix) = Split(text, "cpu", Expected);
        decimal milli;
        try
        {
            milli = suffix switch
            {
                "" => number * 1000m,
                "m" => number,
                _ => throw Invalid("cpu", text, $"unknown suffix '{suffix}'; {Expected}"),
            };
        }
        catch (OverflowException)
        {
            throw Invalid("cpu", text, "too large");
        }

        if (milli != decimal.Truncate(milli))
        {
            throw Invalid("cpu", text, "finer than one millicore; " + Expected);
        }

        return ToInt64(milli, "cpu", text);
    }

    /// <summary>Parses an RDMA request in NICs: <c>"1"</c> (a whole NIC), <c>"0.25"</c> (a quarter of one NIC's bandwidth) or
    /// milli-NIC <c>"250m"</c>; returns milli-NIC (1000 = one NIC).</summary>
    /// <exception cref="FormatException">The text is not a non-negative RDMA quantity.</exception>
    public static long ParseRdmaMilli(string text)
    {
        const string Expected = "expected NICs (\"1\", \"0.25\") or milli-NIC (\"250m\")";
        var (number, suffix) = Split(text, "rdma", Expected);
        decimal milli;
        try
        {
            milli = suffix switch
            {
                "" => number * 1000m,
                "m" => number,
                _ => throw Invalid("rdma", text, $"unknown suffix '{suffix}'; {Expected}"),
            };
        }
        catch (OverflowException)
        {
            throw Invalid("rdma", text, "too large");
        }

        if (milli != decimal.Truncate(milli))
        {
            throw Invalid("rdma", text, "finer than one milli-NIC; " + Expected);
        }

        return ToInt64(milli, "rdma", text);
    }

    /// <summary>Parses a memory quantity to MiB (a plain number is MiB), rounding up to a whole MiB.</summary>
    /// <exception cref="FormatException">The text is not a memory quantity.</exception>
    public static long ParseMemoryMiB(string text)
    {
        const string Expected = "expected a number of MiB or a number with a suffix Mi, Gi, Ti (binary) or M, G, T (decimal bytes), e.g. \"16Gi\"";
        var (number, suffix) = Split(text, "memory", Expected);
        decimal mib;
        try
        {
            mib = suffix switch
            {
                "" or "Mi" => number,
                "Ki" => number / 1024m,
                "Gi" => number * 1024m,
                "Ti" => number * 1024m * 1024m,
                "Pi" => number * 1024m * 1024m * 1024m,
                "k" => number * 1e3m / MiB,
                "M" => number * 1e6m / MiB,
                "G" => number * 1e9m / MiB,
                "T" => number * 1e12m / MiB,
                _ => throw Invalid("memory", text, $"unknown suffix '{suffix}'; {Expected}"),
            };
        }
        catch (OverflowException)
        {
            throw Invalid("memory", text, "too large");
        }

        return ToInt64(decimal.Ceiling(mib), "memory", text);
    }

    /// <summary>Parses a network bandwidth quantity to Mbps (a plain number is Mbps), rounding up to a whole Mbps.</summary>
    /// <exception cref="FormatException">The text is not a bandwidth quantity.</exception>
    public static long ParseNetworkMbps(string text)
    {
        const string Expected = "expected a number of Mbps or a number with a suffix Mbps or Gbps, e.g. \"2Gbps\" or \"500Mbps\"";
        var (number, suffix) = Split(text, "network", Expected);
        decimal mbps;
        try
        {
            mbps = suffix switch
            {
                "" or "Mbps" or "mbps" => number,
                "Kbps" or "kbps" => number / 1000m,
                "Gbps" or "gbps" => number * 1000m,
                "Tbps" or "tbps" => number * 1_000_000m,
                _ => throw Invalid("network", text, $"unknown suffix '{suffix}'; {Expected}"),
            };
        }
        catch (OverflowException)
        {
            throw Invalid("network", text, "too large");
        }

        return ToInt64(decimal.Ceiling(mbps), "network", text);
    }

    /// <summary>Formats millicores the way a user would write them: <c>500m</c> below one core, else cores such as <c>4</c> or <c>11.3</c>.</summary>
    public static string FormatCpu(long milli) => milli is > 0 and < 1000
        ? milli.ToString(CultureInfo.InvariantCulture) + "m"
        : (milli / 1000m).ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>Formats MiB with the largest binary suffix that divides it exactly: <c>16Gi</c>, <c>1Ti</c>, <c>1500Mi</c>.</summary>
    public static string FormatMemory(long mib) => mib switch
    {
        0 => "0",
        _ when mib % (1024L * 1024) == 0 => (mib / (1024L * 1024)).ToString(CultureInfo.InvariantCulture) + "Ti",
        _ when mib % 1024 == 0 => (mib / 1024).ToString(CultureInfo.InvariantCulture) + "Gi",
        _ => mib.ToString(CultureInfo.InvariantCulture) + "Mi",
    };

    /// <summary>Formats Mbps as <c>2Gbps</c> when it is whole Gbps, else <c>500Mbps</c>.</summary>
    public static string FormatNetwork(long mbps) => mbps != 0 && mbps % 1000 == 0
        ? (mbps / 1000).ToString(CultureInfo.InvariantCulture) + "Gbps"
        : mbps.ToString(CultureInfo.InvariantCulture) + "Mbps";

    private static (decimal Number, string Suffix) Split(string? text, string kind, string expected)
    {
        var trimmed = (text ?? "").Trim();
        if (trimmed.Length == 0)
        {
            throw Invalid(kind, text ?? "", "empty; " + expected);
        }

        if (trimmed[0] == '-')
        {
            throw Invalid(kind, trimmed, "must not be negative");
        }

        var end = 0;
        while (end < trimmed.Length && (char.IsAsciiDigit(trimmed[end]) || trimmed[end] == '.'))
        {
            end++;
        }

        if (end == 0 || !decimal.TryParse(trimmed.AsSpan(0, end), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            throw Invalid(kind, trimmed, expected);
        }

        return (number, trimmed[end..].TrimStart());
    }

    private static long ToInt64(decimal value, string kind, string text) =>
        value <= long.MaxValue ? (long)value : throw Invalid(kind, text, "too large");

    private static FormatException Invalid(string kind, string text, string problem) => new($"invalid {kind} quantity '{text}': {problem}");
}
