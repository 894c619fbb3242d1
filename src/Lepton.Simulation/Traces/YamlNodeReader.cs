using Lepton.Core.Cluster;
using Lepton.Core.Power;
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
///     power:               # optional, each key overrides the power model (Lepton.Core.Power)
///       sockets: 2
///       coresPerSocket: 24
///       threadsPerCore: 2
///       cpuIdleWatts: 20     # per socket
///       cpuActiveWatts: 270  # per socket with a working core
///       gpuIdleWatts: 50     # per GPU
///       gpuMaxWatts: 400     # per GPU with anything allocated
///       baseWatts: 100       # memory, fans, disks while on
///       standbyWatts: 10     # while powered off
/// </code>
/// Only <c>name</c> is required; unknown keys are errors. Node names must be unique.
/// </remarks>
public static class YamlNodeReader
{
    private static readonly string[] NodeKeys =
        ["name", "cpu", "memory", "gpus", "fpga", "network", "rdma", "labels", "pricePerHour", "idleWatts", "peakWatts", "state", "power"];

    private static readonly string[] PowerKeys =
        ["sockets", "coresPerSocket", "threadsPerCore", "cpuIdleWatts", "cpuActiveWatts", "gpuIdleWatts", "gpuMaxWatts", "baseWatts", "standbyWatts"];

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
                Power = ParsePower(yaml.GetMapping("power", PowerKeys)),
            });
        }

        return nodes;
    }

    private static NodePowerSpec? ParsePower(YamlMappingReader? power)
    {
        if (power is null)
        {
            return null;
        }

        double? Watts(string key) => power.GetDouble(key) is { } w && w > NodePowerLimits.MaxWatts
            ? throw power.Error(key, $"{w} W is more than {NodePowerLimits.MaxWatts} W")
            : power.GetDouble(key);

        return new NodePowerSpec
        {
            CpuSockets = power.GetInt32("sockets", 0, NodePowerLimits.MaxSockets),
            CoresPerSocket = power.GetInt32("coresPerSocket", 1, NodePowerLimits.MaxCores),
            ThreadsPerCore = power.GetInt32("threadsPerCore", 1, 8),
            CpuIdleWatts = Watts("cpuIdleWatts"),
            CpuActiveWatts = Watts("cpuActiveWatts"),
            GpuIdleWatts = Watts("gpuIdleWatts"),
            GpuMaxWatts = Watts("gpuMaxWatts"),
            BaseWatts = Watts("baseWatts"),
            StandbyWatts = Watts("standbyWatts"),
        };
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
