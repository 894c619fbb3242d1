using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Lepton.Core.Cluster;

namespace Lepton.Simulation.Traces;

/// <summary>Builds a GPU cluster from a short spec: <c>v100:300,p100:300,k80:300</c>, Gavel's <c>300:300:300</c>, or Gavel's
/// <c>cluster_specs*.json</c>.</summary>
/// <remarks>
/// <para>Each item is <c>MODEL:GPUS[/PER_NODE][@PRICE]</c>: GPUS GPUs of MODEL in nodes of PER_NODE GPUs (default 1,
/// as in Gavel's simulator, whose <c>--num_gpus_per_server</c> defaults to 1), each GPU costing PRICE per hour. Without
/// a price, k80, p100 and v100 cost Google Cloud's on-demand prices that Gavel's cost policies use (0.45, 1.46 and
/// 2.48 per GPU-hour); other models cost 0. Gavel's form <c>A:B:C</c> means <c>v100:A,p100:B,k80:C</c>. Nodes are named
/// <c>v100-0</c>, <c>v100-1</c>, … and have no CPU or memory to account (Gavel's jobs request GPUs only).</para>
/// </remarks>
public static partial class ClusterSpecReader
{
    private static readonly string[] GavelOrder = ["v100", "p100", "k80"];

    private static readonly Dictionary<string, double> GavelPrices = new(StringComparer.OrdinalIgnoreCase)
    {
        ["k80"] = 0.45,
        ["p100"] = 1.46,
        ["v100"] = 2.48,
    };

    /// <summary>True when <paramref name="text"/> looks like a spec (not a file name): <c>MODEL:…</c> items or <c>A:B:C</c>.</summary>
    public static bool LooksLikeSpec(string text) => SpecShape().IsMatch(text);

    [GeneratedRegex(@"^\s*(\d+:\d+:\d+|[^\s:,/\\]+:[^,]*(,\s*[^\s:,/\\]+:[^,]*)*)\s*$")]
    private static partial Regex SpecShape();

    /// <summary>Parses a spec.</summary>
    /// <exception cref="FormatException">The spec is malformed; the message names the bad item.</exception>
    public static IReadOnlyList<NodeSpec> Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var text = spec.Trim();
        var parts = text.Split(':');
        if (parts.Length == 3 && parts.All(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            text = string.Join(',', GavelOrder.Select((model, i) => model + ":" + parts[i]));
        }

        var nodes = new List<NodeSpec>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var raw in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var item = raw;
            double? price = null;
            var at = item.IndexOf('@', StringComparison.Ordinal);
            if (at >= 0)
            {
                price = double.TryParse(item[(at + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var p) && double.IsFinite(p) && p >= 0
                    ? p
                    : throw Bad(spec, raw, "the price after '@' is not a non-negative number");
                item = item[..at];
            }

            var colon = item.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw Bad(spec, raw, "expected MODEL:GPUS[/PER_NODE][@PRICE], e.g. v100:300 or v100:64/8");
            }

            var model = item[..colon].Trim();
            var counts = item[(colon + 1)..].Split('/');
            if (counts.Length > 2 || !int.TryParse(counts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var gpus) || gpus > 1_000_000)
            {
                throw Bad(spec, raw, "the GPU count is not a whole number");
            }

            var perNode = 1;
            if (counts.Length == 2 && (!int.TryParse(counts[1], NumberStyles.None, CultureInfo.InvariantCulture, out perNode)
                || perNode is < 1 or > ClusterState.MaxGpusPerNode))
            {
                throw Bad(spec, raw, $"GPUs per node must be 1..{ClusterState.MaxGpusPerNode}");
            }

            if (!seen.Add(model))
            {
                throw Bad(spec, raw, $"model '{model}' appears twice");
            }

            var perGpu = price ?? (GavelPrices.TryGetValue(model, out var known) ? known : 0);
            for (var (left, i) = (gpus, 0); left > 0; left -= perNode, i++)
            {
                var count = Math.Min(perNode, left);
                nodes.Add(new NodeSpec
                {
                    Name = model + "-" + i.ToString(CultureInfo.InvariantCulture),
                    GpuCount = count,
                    GpuModel = model,
                    PricePerHour = perGpu * count,
                });
            }
        }

        return nodes.Count > 0 ? nodes : throw Bad(spec, spec, "the cluster has no GPUs");
    }

    /// <summary>Reads Gavel's <c>cluster_specs*.json</c> (<c>{"philly": ["300:300:300"]}</c>): the first spec of the first entry.</summary>
    /// <exception cref="TraceFormatException">The file is not such a JSON object.</exception>
    public static IReadOnlyList<NodeSpec> ReadJson(string path)
    {
        using var stream = File.OpenRead(path);
        try
        {
            using var document = JsonDocument.Parse(stream);
            foreach (var entry in document.RootElement.EnumerateObject())
            {
                if (entry.Value.ValueKind == JsonValueKind.Array && entry.Value.GetArrayLength() > 0 && entry.Value[0].GetString() is { } spec)
                {
                    try
                    {
                        return Parse(spec);
                    }
                    catch (FormatException e)
                    {
                        throw new TraceFormatException(path, 1, entry.Name, e.Message);
                    }
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new TraceFormatException(path, 1, "json", e.Message);
        }

        throw new TraceFormatException(path, 1, "json", "expected Gavel's cluster spec file, e.g. {\"philly\": [\"300:300:300\"]}");
    }

    private static FormatException Bad(string spec, string item, string problem) =>
        new($"cluster spec '{spec}': '{item}': {problem}");
}
