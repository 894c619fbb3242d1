using Lepton.Core.Cluster;
using Lepton.Core.Resources;

namespace Lepton.Simulation.Traces;

/// <summary>Reads nodes from Lepton's YAML node format.</summary>
/// <remarks>
/// <code>
/// nodes:
///   - name: gpu-1
///     cpu: 96              # cores, or "500m"
///     memory: 384Gi        # Mi / Gi / Ti, plain number = MiB
///     gpus: {count: 8, model: A100}
///     fpga: 0
///     network: 25Gbps      # Mbps / Gbps, plain number = Mbps
///     rdma: 2              # RDMA NICs
///     labels: {zone: eu-1, tier: cloud}
///     pricePerHour: 12.5
///     idleWatts: 300
///     peakWatts: 3000
///     state: Ready         # Ready, Draining or Down
/// </code>
/// Only <c>name</c> is required; unknown keys are errors. Node names must be unique.
/// </remarks>
public static class YamlNodeReader
{
    private static readonly string[] NodeKeys =
        ["name", "cpu", "memory", "gpus", "fpga", "network", "rdma", "labels", "pricePerHour", "idleWatts", "peakWatts", "state"];

    private static readonly string[] GpuKeys = ["count", "model"];

    /// <summary>Reads the node file at <paramref name="path"/>.</summary>
    /// <exception cref="TraceFormatException">The file is malformed; the message names file, line and field.</exception>
    public static IReadOnlyList<NodeSpec> Read(string path)
    {
        InputLimits.EnsureSize(path, InputLimits.MaxYamlBytes, "YAML");
        using var reader = new StreamReader(path);
        return Read(reader, path);
    }

    /// <summary>Reads nodes from <paramref name="reader"/>; <paramref name="file"/> names it in errors.</summary>
    public static IReadOnlyList<NodeSpec> Read(TextReader reader, string file)
    {
        var nodes = new List<NodeSpec>();
        var firstLine = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in YamlEntryList.Load(reader, file, "nodes", isSingleEntry: false))
        {
            var yaml = new YamlMappingReader(entry, file, "", NodeKeys);
            var name = yaml.GetRequiredString("name");
            if (!firstLine.TryAdd(name, yaml.Line))
            {
                throw yaml.Error("name", $"node name '{name}' appears twice (first on line {firstLine[name]})");
            }

            var gpus = yaml.GetMapping("gpus", GpuKeys);
            nodes.Add(new NodeSpec
            {
                Name = name,
                CpuMilli = yaml.GetQuantity("cpu", Quantity.ParseCpuMilli) ?? 0,
                MemoryMiB = yaml.GetQuantity("memory", Quantity.ParseMemoryMiB) ?? 0,
                GpuCount = gpus?.GetInt32("count") ?? 0,
                GpuModel = gpus?.GetString("model") ?? "",
                Fpga = yaml.GetInt32("fpga") ?? 0,
                NetworkMbps = yaml.GetQuantity("network", Quantity.ParseNetworkMbps) ?? 0,
                RdmaNics = yaml.GetInt32("rdma") ?? 0,
                Labels = yaml.GetStringMap("labels"),
                PricePerHour = yaml.GetDouble("pricePerHour") ?? 0,
                IdleWatts = yaml.GetDouble("idleWatts") ?? 0,
                PeakWatts = yaml.GetDouble("peakWatts") ?? 0,
                State = ParseState(yaml),
            });
        }

        return nodes;
    }

    private static NodeState ParseState(YamlMappingReader yaml)
    {
        var text = yaml.GetString("state");
        if (text is null)
        {
            return NodeState.Ready;
        }

        return Enum.TryParse<NodeState>(text, ignoreCase: true, out var state) && Enum.IsDefined(state) && !char.IsAsciiDigit(text[0])
            ? state
            : throw yaml.Error("state", $"'{text}' is not a node state; expected Ready, Draining or Down");
    }
}
