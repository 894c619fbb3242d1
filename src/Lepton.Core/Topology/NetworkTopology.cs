namespace Lepton.Core.Topology;

/// <summary>The cluster's topology levels (node labels, outermost first) and a small network model: the uplink of each
/// level, per-tier overrides (a thin edge uplink) and the users' access latency per tier.</summary>
/// <remarks>
/// <para>Each node sits in a tree: <c>region &gt; zone &gt; tier &gt; rack &gt; node</c> by default, read from the node's
/// labels with those keys. A node without a level's label belongs to no domain of that level.</para>
/// <para>Paths: two points that share the first <c>s</c> levels reach each other by climbing the uplinks of every deeper
/// level on both sides (a node also climbs its own <see cref="NodeUplink"/>). The path's bandwidth is its slowest
/// uplink (the bottleneck C) and its latency the sum, so moving L bytes takes D = L / C + latency. Data and users
/// sit at the root of their domain (a zone's storage, a region's users).</para>
/// <para>The defaults are per-flow figures of a typical fabric: 100 Gbps NICs, oversubscribed rack and spine uplinks,
/// 10 Gbps between zones, a 2 Gbps WAN between regions, and a 5 Gbps edge uplink.</para>
/// </remarks>
public sealed record NetworkTopology
{
    /// <summary>The default model.</summary>
    public static NetworkTopology Default { get; } = new();

    /// <summary>Level label keys, outermost first. The node itself is the implicit innermost level.</summary>
    public IReadOnlyList<string> Levels { get; init; } = ["region", "zone", "tier", "rack"];

    /// <summary>The uplink leaving one domain of each level (key: level name).</summary>
    public IReadOnlyDictionary<string, NetworkLink> Uplinks { get; init; } = new Dictionary<string, NetworkLink>(StringComparer.Ordinal)
    {
        ["region"] = new(2, 30),
        ["zone"] = new(10, 1),
        ["tier"] = new(25, 0.5),
        ["rack"] = new(50, 0.02),
    };

    /// <summary>A node's own link (its NIC).</summary>
    public NetworkLink NodeUplink { get; init; } = new(100, 0.005);

    /// <summary>The level whose value says edge or cloud (for <see cref="TierUplinks"/> and <see cref="AccessLatencyMs"/>).</summary>
    public string TierLevel { get; init; } = "tier";

    /// <summary>Uplink of a tier domain by tier value, overriding <see cref="Uplinks"/> (the edge's thin uplink).</summary>
    public IReadOnlyDictionary<string, NetworkLink> TierUplinks { get; init; } = new Dictionary<string, NetworkLink>(StringComparer.Ordinal)
    {
        ["edge"] = new(5, 2),
    };

    /// <summary>Latency from users to the network of a node of each tier (the last mile), in ms.</summary>
    public IReadOnlyDictionary<string, double> AccessLatencyMs { get; init; } = new Dictionary<string, double>(StringComparer.Ordinal)
    {
        ["edge"] = 2,
        ["cloud"] = 12,
    };

    /// <summary>Access latency of a node without a tier (or of a tier missing in <see cref="AccessLatencyMs"/>), in ms.</summary>
    public double DefaultAccessLatencyMs { get; init; } = 12;

    /// <summary>Bandwidth and latency of a level missing from <see cref="Uplinks"/>.</summary>
    public NetworkLink DefaultUplink { get; init; } = new(25, 0.5);

    /// <summary>How much extra data-transfer time, as a fraction of the job's run time, placement accepts to run away from
    /// the data now rather than wait for room next to it.</summary>
    public double RemoteDataAllowance { get; init; } = 0.25;

    /// <summary>The uplink leaving a domain of level <paramref name="level"/> (index into <see cref="Levels"/>; the node
    /// itself at <c>Levels.Count</c>) whose value is <paramref name="value"/>.</summary>
    public NetworkLink Uplink(int level, string? value)
    {
        if (level >= Levels.Count)
        {
            return NodeUplink;
        }

        var name = Levels[level];
        if (value is not null && string.Equals(name, TierLevel, StringComparison.Ordinal) && TierUplinks.TryGetValue(value, out var tier))
        {
            return tier;
        }

        return Uplinks.TryGetValue(name, out var link) ? link : DefaultUplink;
    }

    /// <summary>The users' last-mile latency to a node of tier <paramref name="tier"/> (null: no tier label).</summary>
    public double AccessLatency(string? tier) =>
        tier is not null && AccessLatencyMs.TryGetValue(tier, out var ms) ? ms : DefaultAccessLatencyMs;
}
