using Lepton.Core.Cluster;

namespace Lepton.Core.Topology;

/// <summary>The topology tree of a cluster's nodes (from their labels) with the network model: domains per level,
/// transfer estimates and users' latency to each node.</summary>
/// <remarks>Built once per cluster (labels do not change while a <see cref="ClusterState"/> lives); every query is a
/// walk over at most <c>Levels.Count</c> labels.</remarks>
public sealed class ClusterTopology
{
    private readonly string?[][] _values;
    private readonly int[][] _domainOf;
    private readonly List<TopologyDomain>[] _domains;
    private readonly int _tierLevel;

    /// <summary>Builds the tree for <paramref name="cluster"/> under <paramref name="network"/>.</summary>
    public ClusterTopology(ClusterState cluster, NetworkTopology network)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(network);
        Cluster = cluster;
        Network = network;
        var levels = network.Levels;
        var n = cluster.NodeCount;
        _values = new string?[n][];
        _domainOf = new int[levels.Count][];
        _domains = new List<TopologyDomain>[levels.Count];
        _tierLevel = IndexOf(network.TierLevel);
        for (var i = 0; i < n; i++)
        {
            var labels = cluster.NodeAt(i).Labels;
            var values = new string?[levels.Count];
            for (var k = 0; k < levels.Count; k++)
            {
                values[k] = labels.TryGetValue(levels[k], out var v) && v.Length > 0 ? v : null;
            }

            _values[i] = values;
        }

        for (var k = 0; k < levels.Count; k++)
        {
            var ids = new Dictionary<string, int>(StringComparer.Ordinal);
            var members = new List<List<int>>();
            var selectors = new List<Dictionary<string, string>>();
            _domainOf[k] = new int[n];
            for (var i = 0; i < n; i++)
            {
                if (_values[i][k] is null)
                {
                    _domainOf[k][i] = -1;
                    continue;
                }

                var key = PathName(_values[i], k);
                if (!ids.TryGetValue(key, out var id))
                {
                    id = members.Count;
                    ids.Add(key, id);
                    members.Add([]);
                    var selector = new Dictionary<string, string>(StringComparer.Ordinal);
                    for (var j = 0; j <= k; j++)
                    {
                        if (_values[i][j] is { } value)
                        {
                            selector[levels[j]] = value;
                        }
                    }

                    selectors.Add(selector);
                }

                _domainOf[k][i] = id;
                members[id].Add(i);
            }

            var list = new List<TopologyDomain>(members.Count);
            foreach (var (key, id) in ids)
            {
                list.Add(new TopologyDomain(k, key, selectors[id], members[id]));
            }

            list.Sort(static (a, b) => a.Nodes[0].CompareTo(b.Nodes[0]));
            for (var d = 0; d < list.Count; d++)
            {
                foreach (var node in list[d].Nodes)
                {
                    _domainOf[k][node] = d;
                }
            }

            _domains[k] = list;
        }
    }

    /// <summary>The cluster.</summary>
    public ClusterState Cluster { get; }

    /// <summary>The network model.</summary>
    public NetworkTopology Network { get; }

    /// <summary>Index of level <paramref name="name"/> (case-insensitive), <c>Levels.Count</c> for <c>node</c>, -1 when unknown.</summary>
    public int IndexOf(string name)
    {
        for (var k = 0; k < Network.Levels.Count; k++)
        {
            if (string.Equals(Network.Levels[k], name, StringComparison.OrdinalIgnoreCase))
            {
                return k;
            }
        }

        return string.Equals(name, "node", StringComparison.OrdinalIgnoreCase) ? Network.Levels.Count : -1;
    }

    /// <summary>The domains of level <paramref name="level"/>, ordered by their first node.</summary>
    public IReadOnlyList<TopologyDomain> DomainsAt(int level) => _domains[level];

    /// <summary>The index in <see cref="DomainsAt"/> of the domain of level <paramref name="level"/> holding
    /// <paramref name="node"/>, or -1 when the node carries no label of that level.</summary>
    public int DomainOf(int level, int node) => _domainOf[level][node];

    /// <summary>The node's label value at level <paramref name="level"/> (null: none).</summary>
    public string? ValueOf(int node, int level) => _values[node][level];

    /// <summary>The node's tier value (null without a tier level or label).</summary>
    public string? TierOf(int node) => _tierLevel >= 0 ? _values[node][_tierLevel] : null;

    /// <summary>Index of the tier level, or -1.</summary>
    public int TierLevel => _tierLevel;

    /// <summary>Finds where <paramref name="at"/> points: <c>level=value</c>, or a bare value searched level by level
    /// from the outermost.</summary>
    /// <returns>Null when no node carries such a label.</returns>
    public TopologyLocation? Locate(string at)
    {
        ArgumentNullException.ThrowIfNull(at);
        var eq = at.IndexOf('=', StringComparison.Ordinal);
        var wanted = eq >= 0 ? IndexOf(at[..eq].Trim()) : -1;
        var value = eq >= 0 ? at[(eq + 1)..].Trim() : at.Trim();
        if (eq >= 0 && (wanted < 0 || wanted >= Network.Levels.Count))
        {
            return null;
        }

        for (var k = 0; k < Network.Levels.Count; k++)
        {
            if (wanted >= 0 && k != wanted)
            {
                continue;
            }

            for (var i = 0; i < _values.Length; i++)
            {
                if (string.Equals(_values[i][k], value, StringComparison.Ordinal))
                {
                    var path = new string?[k + 1];
                    Array.Copy(_values[i], path, k + 1);
                    return new TopologyLocation(k, path, Network.Levels[k] + "=" + value);
                }
            }
        }

        return null;
    }

    /// <summary>The estimated time to move <paramref name="sizeMiB"/> from <paramref name="from"/> to <paramref name="node"/>.</summary>
    public TransferEstimate EstimateTransfer(long sizeMiB, TopologyLocation from, int node)
    {
        ArgumentNullException.ThrowIfNull(from);
        var shared = SharedDepth(from, node);
        var bandwidth = double.PositiveInfinity;
        var latency = 0.0;
        var path = new System.Text.StringBuilder();

        // The node climbs its own link and every level below the shared ancestor; the data climbs out of its domain.
        var levels = Network.Levels.Count;
        for (var k = levels; k >= shared; k--)
        {
            if (k < levels && _values[node][k] is null)
            {
                continue;
            }

            Climb(Network.Uplink(k, k < levels ? _values[node][k] : null), k < levels ? Network.Levels[k] : "node");
        }

        for (var k = shared; k <= from.Level; k++)
        {
            if (from.Path[k] is not null)
            {
                Climb(Network.Uplink(k, from.Path[k]), Network.Levels[k]);
            }
        }

        if (shared > from.Level)
        {
            // Inside the data's domain: the path is the node's climb alone (the data sits at the domain's root).
            path.Append(" (inside ").Append(from.Name).Append(')');
        }

        return new TransferEstimate(sizeMiB, bandwidth, latency, path.ToString());

        void Climb(NetworkLink link, string name)
        {
            bandwidth = Math.Min(bandwidth, link.BandwidthGbps);
            latency += link.LatencyMs;
            if (path.Length > 0)
            {
                path.Append('>');
            }

            path.Append(name);
        }
    }

    /// <summary>One-way latency from users at <paramref name="users"/> to <paramref name="node"/>: the last mile of the
    /// node's tier plus the path's latencies.</summary>
    public double LatencyMs(TopologyLocation users, int node)
    {
        ArgumentNullException.ThrowIfNull(users);
        var shared = SharedDepth(users, node);
        var latency = Network.AccessLatency(TierOf(node));
        var levels = Network.Levels.Count;
        for (var k = levels; k >= shared; k--)
        {
            if (k == levels || _values[node][k] is not null)
            {
                latency += Network.Uplink(k, k < levels ? _values[node][k] : null).LatencyMs;
            }
        }

        for (var k = shared; k <= users.Level; k++)
        {
            if (users.Path[k] is not null)
            {
                latency += Network.Uplink(k, users.Path[k]).LatencyMs;
            }
        }

        return latency;
    }

    /// <summary>How many outermost levels <paramref name="location"/> and the node share (a missing label on either side
    /// is treated as equal, so that an unlabelled level adds no hop).</summary>
    private int SharedDepth(TopologyLocation location, int node)
    {
        var s = 0;
        while (s <= location.Level)
        {
            var a = location.Path[s];
            var b = _values[node][s];
            if (a is not null && b is not null && !string.Equals(a, b, StringComparison.Ordinal))
            {
                break;
            }

            s++;
        }

        return s;
    }

    private string PathName(string?[] values, int level)
    {
        var parts = new List<string>(level + 1);
        for (var j = 0; j <= level; j++)
        {
            if (values[j] is { } v)
            {
                parts.Add(Network.Levels[j] + "=" + v);
            }
        }

        return string.Join('/', parts);
    }
}
