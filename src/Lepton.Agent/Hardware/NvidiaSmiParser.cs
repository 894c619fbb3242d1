using System.Globalization;

namespace Lepton.Agent.Hardware;

/// <summary>Parses the output of <c>nvidia-smi --query-gpu=index,name,memory.total,utilization.gpu,memory.used --format=csv,noheader,nounits</c>.</summary>
public static class NvidiaSmiParser
{
    /// <summary>The arguments Lepton passes to <c>nvidia-smi</c>; the parser expects exactly these columns.</summary>
    public const string QueryArguments = "--query-gpu=index,name,memory.total,utilization.gpu,memory.used --format=csv,noheader,nounits";

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
            if (fields.Length != 5)
            {
                throw new FormatException($"nvidia-smi output line {i + 1}: expected 5 comma-separated columns (index, name, memory.total, utilization.gpu, memory.used), found {fields.Length}: '{line}'");
            }

            var index = (int)ParseNumber(fields[0], i, "index");
            var name = fields[1].Trim();
            var memory = (long)ParseNumber(fields[2], i, "memory.total");
            var utilization = ParseNumber(fields[3], i, "utilization.gpu");
            var used = (long)ParseNumber(fields[4], i, "memory.used");
            gpus.Add(new GpuDevice(index, name, GpuModelName.Shorten(name, memory), memory, utilization, used));
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
