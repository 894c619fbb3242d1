using System.Globalization;
using System.Text.Json;

namespace Lepton.Simulation.Traces;

/// <summary>Gavel's measured throughputs (<c>simulation_throughputs.json</c>): steps per second of each (job type,
/// scale factor) on each GPU model, running alone on its GPUs.</summary>
/// <remarks>
/// The file maps a GPU model (<c>k80</c>, <c>p100</c>, <c>v100</c>) to keys <c>"('ResNet-50 (batch size 64)', 1)"</c>,
/// each an object whose <c>"null"</c> entry is the throughput alone (other entries are pairs sharing a GPU, which
/// Lepton does not model). The <c>*_unconsolidated</c> models (a distributed job spread over servers) are skipped:
/// Lepton charges a gang the consolidated rate wherever its replicas land.
/// </remarks>
public sealed class GavelThroughputs
{
    private readonly Dictionary<(string JobType, int Scale), Dictionary<string, double>> _table;

    private GavelThroughputs(Dictionary<(string, int), Dictionary<string, double>> table, string file)
    {
        _table = table;
        File = file;
    }

    /// <summary>The file read.</summary>
    public string File { get; }

    /// <summary>Loads <paramref name="path"/>.</summary>
    /// <exception cref="TraceFormatException">The file is not Gavel's throughput JSON.</exception>
    public static GavelThroughputs Load(string path)
    {
        using var stream = System.IO.File.OpenRead(path);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(stream);
        }
        catch (JsonException e)
        {
            throw new TraceFormatException(path, (int)(e.LineNumber ?? 0) + 1, "json", e.Message);
        }

        using (document)
        {
            var table = new Dictionary<(string, int), Dictionary<string, double>>();
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new TraceFormatException(path, 1, "json", "expected an object keyed by GPU model (k80, p100, v100)");
            }

            foreach (var model in document.RootElement.EnumerateObject())
            {
                if (model.Name.Contains("_unconsolidated", StringComparison.Ordinal) || model.Value.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                foreach (var job in model.Value.EnumerateObject())
                {
                    if (!TryParseKey(job.Name, out var jobType, out var scale) || job.Value.ValueKind != JsonValueKind.Object
                        || !job.Value.TryGetProperty("null", out var alone) || alone.ValueKind != JsonValueKind.Number)
                    {
                        continue;
                    }

                    if (!table.TryGetValue((jobType, scale), out var perModel))
                    {
                        perModel = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
                        table.Add((jobType, scale), perModel);
                    }

                    var value = alone.GetDouble();
                    if (double.IsFinite(value) && value > 0)
                    {
                        perModel[model.Name] = value;
                    }
                }
            }

            if (table.Count == 0)
            {
                throw new TraceFormatException(path, 1, "json", "no throughputs found; expected Gavel's simulation_throughputs.json");
            }

            return new GavelThroughputs(table, path);
        }
    }

    /// <summary>Steps per second of <paramref name="jobType"/> at <paramref name="scale"/> GPUs per GPU model (only models with
    /// a positive throughput), or null when the file has no entry.</summary>
    public IReadOnlyDictionary<string, double>? Get(string jobType, int scale) =>
        _table.TryGetValue((jobType, scale), out var perModel) && perModel.Count > 0 ? perModel : null;

    /// <summary>Finds <c>simulation_throughputs.json</c> next to <paramref name="tracePath"/> or up to three folders above it.</summary>
    public static string? Find(string tracePath)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(tracePath));
        for (var up = 0; up < 4 && directory is not null; up++)
        {
            var candidate = Path.Combine(directory, "simulation_throughputs.json");
            if (System.IO.File.Exists(candidate))
            {
                return candidate;
            }

            directory = Path.GetDirectoryName(directory);
        }

        return null;
    }

    /// <summary>Parses Python's tuple repr <c>('ResNet-18 (batch size 16)', 1)</c>.</summary>
    private static bool TryParseKey(string key, out string jobType, out int scale)
    {
        jobType = "";
        scale = 0;
        var comma = key.LastIndexOf(',');
        if (!key.StartsWith("('", StringComparison.Ordinal) || !key.EndsWith(')') || comma < 3 || key[comma - 1] != '\'')
        {
            return false;
        }

        jobType = key[2..(comma - 1)];
        return int.TryParse(key.AsSpan(comma + 1, key.Length - comma - 2).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out scale) && scale > 0;
    }
}
