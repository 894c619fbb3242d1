using System.Globalization;

namespace Lepton.Agent.Hardware;

/// <summary>Resources given with <c>--declare "cpu=8,memory=32Gi,gpus=2xA100,fpga=1,network=10000"</c>; each one set overrides detection.</summary>
/// <remarks>
/// Units: <c>cpu</c> in cores (<c>8</c>, <c>2.5</c>) or millicores (<c>500m</c>); <c>memory</c> with <c>Ki/Mi/Gi/Ti</c>, a
/// bare number meaning MiB; <c>gpus</c> as <c>N</c> or <c>NxMODEL</c>; <c>fpga</c> a count; <c>network</c> in Mbps,
/// or with <c>Mbps</c>/<c>Gbps</c>. Declared GPUs get indices 0…N-1, which is what the task's
/// <c>CUDA_VISIBLE_DEVICES</c> will name.
/// </remarks>
public sealed record DeclaredResources
{
    private static readonly string[] Keys = ["cpu", "memory", "gpus", "fpga", "network"];

    /// <summary>Declared CPU in millicores.</summary>
    public long? CpuMilli { get; init; }

    /// <summary>Declared memory in MiB.</summary>
    public long? MemoryMiB { get; init; }

    /// <summary>Declared GPU count.</summary>
    public int? GpuCount { get; init; }

    /// <summary>Declared GPU model (short name); null keeps the detected one or none.</summary>
    public string? GpuModel { get; init; }

    /// <summary>Declared FPGA count.</summary>
    public int? Fpga { get; init; }

    /// <summary>Declared network bandwidth in Mbps.</summary>
    public long? NetworkMbps { get; init; }

    /// <summary>Nothing declared: detection decides everything.</summary>
    public static DeclaredResources None { get; } = new();

    /// <summary>Parses a declaration; null or blank is <see cref="None"/>.</summary>
    /// <exception cref="FormatException">An item is malformed, unknown, repeated or out of range; the message names it.</exception>
    public static DeclaredResources Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return None;
        }

        var result = None;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var rawItem in text.Split(','))
        {
            var item = rawItem.Trim();
            if (item.Length == 0)
            {
                continue;
            }

            var equals = item.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new FormatException($"--declare: '{item}' is not key=value (keys: {string.Join(", ", Keys)})");
            }

            var key = item[..equals].Trim().ToLowerInvariant();
            var value = item[(equals + 1)..].Trim();
            if (key == "gpu")
            {
                key = "gpus";
            }

            if (!Keys.Contains(key))
            {
                throw new FormatException($"--declare: unknown resource '{key}' (keys: {string.Join(", ", Keys)})");
            }

            if (!seen.Add(key))
            {
                throw new FormatException($"--declare: '{key}' is given twice");
            }

            if (value.Length == 0)
            {
                throw new FormatException($"--declare: '{key}' has no value");
            }

            result = key switch
            {
                "cpu" => result with { CpuMilli = ParseCpu(value) },
                "memory" => result with { MemoryMiB = ParseMemory(value) },
                "gpus" => ParseGpus(result, value),
                "fpga" => result with { Fpga = (int)ParseCount("fpga", value, 1024) },
                _ => result with { NetworkMbps = ParseNetwork(value) },
            };
        }

        return result;
    }

    /// <summary>Applies this declaration over <paramref name="detected"/>: declared fields win, the rest is kept.</summary>
    public MachineResources ApplyTo(MachineResources detected)
    {
        ArgumentNullException.ThrowIfNull(detected);
        var gpus = detected.Gpus;
        if (GpuCount is not null || GpuModel is not null)
        {
            var count = GpuCount ?? detected.Gpus.Count;
            var model = GpuModel ?? (detected.Gpus.Count > 0 ? detected.GpuModel : "");
            var list = new List<GpuDevice>(count);
            for (var i = 0; i < count; i++)
            {
                // Keep what detection knows about a real device; invent the rest.
                var real = i < detected.Gpus.Count ? detected.Gpus[i] : null;
                list.Add(real is not null && real.Model == model
                    ? real
                    : new GpuDevice(i, model, model, real?.MemoryMiB ?? 0, 0, 0));
            }

            gpus = list;
        }

        return new MachineResources(
            CpuMilli ?? detected.CpuMilli,
            MemoryMiB ?? detected.MemoryMiB,
            gpus,
            Fpga ?? detected.Fpga,
            NetworkMbps ?? detected.NetworkMbps);
    }

    private static long ParseCpu(string value)
    {
        if (value.EndsWith('m'))
        {
            return ParseCount("cpu", value[..^1], 10_000_000);
        }

        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var cores) || cores < 0 || cores > 10_000 || double.IsNaN(cores))
        {
            throw new FormatException($"--declare: cpu '{value}' is not a core count like 8, 2.5 or 500m");
        }

        return (long)Math.Round(cores * 1000);
    }

    private static long ParseMemory(string value)
    {
        (string suffix, double factor)[] units = [("Ki", 1.0 / 1024), ("Mi", 1), ("Gi", 1024), ("Ti", 1024 * 1024)];
        var number = value;
        var mib = 1.0;
        foreach (var (suffix, factor) in units)
        {
            if (value.EndsWith(suffix, StringComparison.Ordinal))
            {
                number = value[..^suffix.Length];
                mib = factor;
                break;
            }
        }

        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) || amount < 0 || double.IsNaN(amount) || amount * mib > 1L << 40)
        {
            throw new FormatException($"--declare: memory '{value}' is not a quantity like 32Gi, 512Mi or 1Ti (a bare number is MiB)");
        }

        return (long)Math.Round(amount * mib);
    }

    private static DeclaredResources ParseGpus(DeclaredResources result, string value)
    {
        var x = value.IndexOfAny(['x', 'X', '×']);
        if (x < 0)
        {
            return result with { GpuCount = (int)ParseCount("gpus", value, 1024) };
        }

        var count = (int)ParseCount("gpus", value[..x], 1024);
        var model = value[(x + 1)..].Trim();
        if (model.Length == 0 || !model.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw new FormatException($"--declare: gpus '{value}' needs a model name after 'x', like 2xA100");
        }

        return result with { GpuCount = count, GpuModel = model };
    }

    private static long ParseNetwork(string value)
    {
        var number = value;
        var factor = 1L;
        if (value.EndsWith("Gbps", StringComparison.OrdinalIgnoreCase))
        {
            number = value[..^4];
            factor = 1000;
        }
        else if (value.EndsWith("Mbps", StringComparison.OrdinalIgnoreCase))
        {
            number = value[..^4];
        }

        return ParseCount("network", number, 100_000_000 / factor) * factor;
    }

    private static long ParseCount(string key, string value, long max)
    {
        if (!long.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n > max)
        {
            throw new FormatException($"--declare: {key} '{value}' is not a whole number from 0 to {max}");
        }

        return n;
    }
}
