using Lepton.Core.Resources;
using Lepton.Core.Topology;
using YamlDotNet.RepresentationModel;

namespace Lepton.Simulation.Traces;

/// <summary>Reads a network model file: topology levels, the uplink of each level, per-tier overrides and access latency.</summary>
/// <remarks>
/// <code>
/// levels: [region, zone, tier, rack]          # node label keys, outermost first
/// node: {bandwidth: 100Gbps, latencyMs: 0.005} # a node's own link
/// uplinks:                                    # leaving one domain of each level
///   region: {bandwidth: 2Gbps, latencyMs: 30}
///   zone: {bandwidth: 10Gbps, latencyMs: 1}
///   tier: {bandwidth: 25Gbps, latencyMs: 0.5}
///   rack: {bandwidth: 50Gbps, latencyMs: 0.02}
/// tierLevel: tier
/// tiers:                                      # per tier value: uplink override and users' last-mile latency
///   edge: {bandwidth: 5Gbps, latencyMs: 2, accessMs: 2}
///   cloud: {accessMs: 12}
/// defaultAccessMs: 12
/// remoteDataAllowance: 0.25                   # extra transfer accepted, as a share of run time, to run away from data now
/// </code>
/// Every key is optional; what is missing keeps the default (<see cref="NetworkTopology.Default"/>).
/// </remarks>
public static class NetworkFileReader
{
    private static readonly string[] Keys = ["levels", "node", "uplinks", "tierLevel", "tiers", "defaultAccessMs", "remoteDataAllowance"];
    private static readonly string[] LinkKeys = ["bandwidth", "latencyMs"];
    private static readonly string[] TierKeys = ["bandwidth", "latencyMs", "accessMs"];

    /// <summary>Reads the file at <paramref name="path"/>.</summary>
    /// <exception cref="TraceFormatException">The file is missing or malformed; the message names file, line and field.</exception>
    public static NetworkTopology Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new TraceFormatException(path, 0, "file", "not found");
        }

        InputLimits.EnsureSize(path, InputLimits.MaxYamlBytes, "YAML");
        using var reader = new StreamReader(path);
        return Read(reader, path);
    }

    /// <summary>Reads a model from <paramref name="reader"/>; <paramref name="file"/> names it in errors.</summary>
    public static NetworkTopology Read(TextReader reader, string file)
    {
        // One mapping document (not a list of entries, so YamlEntryList does not apply).
        var stream = new YamlStream();
        try
        {
            stream.Load(reader);
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new TraceFormatException(file, (int)Math.Max(1, e.Start.Line), "yaml", "invalid YAML: " + (e.InnerException?.Message ?? e.Message));
        }

        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new TraceFormatException(file, 1, "network", "expected one mapping of levels, node, uplinks, tiers, ... (see README)");
        }

        var yaml = new YamlMappingReader(root, file, "", Keys);
        var model = NetworkTopology.Default;
        var levels = yaml.GetStringList("levels");
        if (levels.Count > 0)
        {
            if (levels.Distinct(StringComparer.OrdinalIgnoreCase).Count() != levels.Count || levels.Any(l => string.Equals(l, "node", StringComparison.OrdinalIgnoreCase)))
            {
                throw yaml.Error("levels", "level names must be distinct and not 'node' (the node is the implicit innermost level)");
            }

            model = model with { Levels = levels };
        }

        if (yaml.GetMapping("node", LinkKeys) is { } node)
        {
            model = model with { NodeUplink = Link(node, model.NodeUplink) };
        }

        if (yaml.GetMapping("uplinks", model.Levels) is { } uplinks)
        {
            var table = new Dictionary<string, NetworkLink>(model.Uplinks, StringComparer.Ordinal);
            foreach (var level in model.Levels)
            {
                if (uplinks.GetMapping(level, LinkKeys) is { } link)
                {
                    table[level] = Link(link, table.TryGetValue(level, out var old) ? old : model.DefaultUplink);
                }
            }

            model = model with { Uplinks = table };
        }

        if (yaml.GetString("tierLevel") is { Length: > 0 } tierLevel)
        {
            model = model with { TierLevel = tierLevel };
        }

        if (yaml.Get("tiers") is { } tiersNode)
        {
            if (tiersNode is not YamlMappingNode tiers)
            {
                throw yaml.Error("tiers", tiersNode, "expected a mapping of tier names, e.g. {edge: {bandwidth: 5Gbps, accessMs: 2}}");
            }

            var uplinkByTier = new Dictionary<string, NetworkLink>(model.TierUplinks, StringComparer.Ordinal);
            var access = new Dictionary<string, double>(model.AccessLatencyMs, StringComparer.Ordinal);
            foreach (var (key, value) in tiers.Children)
            {
                var name = (key as YamlScalarNode)?.Value;
                if (string.IsNullOrEmpty(name))
                {
                    throw yaml.Error("tiers", key, "tier names must be plain non-empty names");
                }

                var tier = new YamlMappingReader(value, file, $"tiers.{name}", TierKeys);
                if (tier.Has("bandwidth") || tier.Has("latencyMs"))
                {
                    var fallback = uplinkByTier.TryGetValue(name, out var old) ? old
                        : model.Uplinks.TryGetValue(model.TierLevel, out var level) ? level : model.DefaultUplink;
                    uplinkByTier[name] = Link(tier, fallback);
                }

                if (tier.GetDouble("accessMs") is { } ms)
                {
                    access[name] = ms;
                }
            }

            model = model with { TierUplinks = uplinkByTier, AccessLatencyMs = access };
        }

        if (yaml.GetDouble("defaultAccessMs") is { } defaultAccess)
        {
            model = model with { DefaultAccessLatencyMs = defaultAccess };
        }

        if (yaml.GetDouble("remoteDataAllowance") is { } allowance)
        {
            model = model with { RemoteDataAllowance = allowance };
        }

        return model;
    }

    private static NetworkLink Link(YamlMappingReader map, NetworkLink fallback)
    {
        var mbps = map.GetQuantity("bandwidth", Quantity.ParseNetworkMbps);
        if (mbps is <= 0)
        {
            throw map.Error("bandwidth", "must be more than 0 (such as 25Gbps)");
        }

        return new NetworkLink(mbps is { } m ? m / 1000.0 : fallback.BandwidthGbps, map.GetDouble("latencyMs") ?? fallback.LatencyMs);
    }
}
