using System.Globalization;

namespace Lepton.Agent.Hardware;

/// <summary>Parses the output of <c>nvidia-smi --query-gpu=index,name,memory.total,utilization.gpu,memory.used,power.draw --format=csv,noheader,nounits</c>.</summary>
/// <remarks>The sixth column (power draw in watts) is optional: output of five columns (an older query) parses with no power,
/// and so does <c>[N/A]</c>, which passive and some virtual GPUs print.</remarks>
public static class NvidiaSmiParser
{
    /// <summary>The arguments Lepton passes to <c>nvidia-smi</c>; the parser expects exactly these columns.</summary>
    public const string QueryArguments = "--query-gpu=index,name,memory.total,utilization.gpu,memory.used,power.draw --format=csv,noheader,nounits";

    /// <summary>Parses one GPU per non-empty line.</summary>
    /// <exception cref="FormatException">A line does not have five columns or a number does not parse; the message names the line and column.</exception>
    public static IReadOnlyList<GpuDevice> Parse(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var gpus = new List<GpuDevice>();
        var lines = output.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var fields = line.Split(',');
            if (fields.Length is not (5 or 6))
            {
                throw new FormatException($"nvidia-smi output line {i + 1}: expected 5 or 6 comma-separated columns (index, name, memory.total, utilization.gpu, memory.used[, power.draw]), found {fields.Length}: '{line}'");
            }

            var index = (int)ParseNumber(fields[0], i, "index");
            var name = fields[1].Trim();
            var memory = (long)ParseNumber(fields[2], i, "memory.total");
            var utilization = ParseNumber(fields[3], i, "utilization.gpu");
            var used = (long)ParseNumber(fields[4], i, "memory.used");
            var power = fields.Length == 6 && !fields[5].Trim().StartsWith('[') ? ParseNumber(fields[5], i, "power.draw") : (double?)null;
            gpus.Add(new GpuDevice(index, name, GpuModelName.Shorten(name, memory), memory, utilization, used, power));
        }

        return gpus;
    }

    private static double ParseNumber(string field, int line, string column)
    {
        var text = field.Trim();
        // Some drivers print "[N/A]" or "[Not Supported]" for utilisation of MIG or passive devices: read as zero.
        if (text.StartsWith('['))
        {
            return 0;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < 0)
        {
            throw new FormatException($"nvidia-smi output line {line + 1}, column {column}: '{text}' is not a non-negative number");
        }

        return value;
    }
}
