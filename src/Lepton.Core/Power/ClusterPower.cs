using Lepton.Core.Cluster;

namespace Lepton.Core.Power;

/// <summary>The power draw of every node of a <see cref="ClusterState"/>, following its allocations, and of the whole cluster.</summary>
/// <remarks>
/// <para>Each node's draw is cached with the node version it was computed at (<see cref="ClusterState.NodeVersion"/>),
/// so <see cref="TotalWatts"/> after a placement recomputes one node. A node marked off (<see cref="SetPoweredOn"/>)
/// draws its standby watts whatever is allocated (nothing should be).</para>
/// <para>The placement deltas (<see cref="PlacementDelta"/>) are what PWR scores: only two kinds of increment exist, a
/// socket becoming active and a GPU moving from free to busy.</para>
/// </remarks>
public sealed class ClusterPower
{
    private readonly ClusterState _cluster;
    private readonly NodePowerProfile[] _profiles;
    private readonly double[] _watts;
    private readonly long[] _at;
    private readonly bool[] _off;
    private double _total;

    /// <summary>Tracks <paramref name="cluster"/> with <paramref name="model"/> (default: <see cref="PowerModel.Default"/>).</summary>
    public ClusterPower(ClusterState cluster, PowerModel? model = null)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        model ??= PowerModel.Default;
        _cluster = cluster;
        var n = cluster.NodeCount;
        _profiles = new NodePowerProfile[n];
        _watts = new double[n];
        _at = new long[n];
        _off = new bool[n];
        var shapes = new Dictionary<(long, int, string), NodePowerProfile>();
        UniformByShape = true;
        for (var i = 0; i < n; i++)
        {
            var spec = cluster.NodeAt(i);
            _profiles[i] = model.Resolve(spec);
            var key = (spec.CpuMilli, spec.GpuCount, spec.GpuCount > 0 ? spec.GpuModel.ToUpperInvariant() : "");
            if (!shapes.TryAdd(key, _profiles[i]) && shapes[key] != _profiles[i])
            {
                UniformByShape = false;
            }

            _watts[i] = ComputeOn(i);
            _at[i] = cluster.NodeVersion(i);
            _total += _watts[i];
        }
    }

    /// <summary>The cluster tracked.</summary>
    public ClusterState Cluster => _cluster;

    /// <summary>True when every two nodes of the same CPU capacity, GPU count and GPU model have the same profile (e.g. no
    /// per-node overrides), so nodes that placement treats as identical also draw identically.</summary>
    public bool UniformByShape { get; }

    /// <summary>The resolved profile of <paramref name="node"/>.</summary>
    public NodePowerProfile Profile(int node) => _profiles[node];

    /// <summary>Whether the node is powered on (every node is, until <see cref="SetPoweredOn"/> turns it off).</summary>
    public bool IsPoweredOn(int node) => !_off[node];

    /// <summary>Marks the node powered on or off; an off node draws its standby watts.</summary>
    public void SetPoweredOn(int node, bool on)
    {
        if (_off[node] == !on)
        {
            return;
        }

        _off[node] = !on;
        Refresh(node);
    }

    /// <summary>The node's draw now, in watts.</summary>
    public double NodeWatts(int node)
    {
        if (_at[node] != _cluster.NodeVersion(node))
        {
            Refresh(node);
        }

        return _watts[node];
    }

    /// <summary>The cluster's draw now: Σ over all nodes, in watts.</summary>
    public double TotalWatts
    {
        get
        {
            for (var i = 0; i < _watts.Length; i++)
            {
                if (_at[i] != _cluster.NodeVersion(i))
                {
                    Refresh(i);
                }
            }

            return _total;
        }
    }

    /// <summary>Σ over nodes of the CPU part and the GPU part of the draw now (watts), for telemetry; off nodes count in neither.</summary>
    public (double Cpu, double Gpu) Split()
    {
        double cpu = 0, gpu = 0;
        for (var i = 0; i < _profiles.Length; i++)
        {
            if (_off[i])
            {
                continue;
            }

            var p = _profiles[i];
            var active = p.ActiveSockets(_cluster.CpuCap[i], _cluster.CpuCap[i] - _cluster.CpuUsed[i]);
            cpu += (active * p.CpuActiveWatts) + ((p.Sockets - active) * p.CpuIdleWatts);
            var busy = p.Gpus - _cluster.GpuFullyFree[i];
            gpu += (busy * p.GpuMaxWatts) + ((p.Gpus - busy) * p.GpuIdleWatts);
        }

        return (cpu, gpu);
    }

    /// <summary>
    /// How much the node's draw grows when a task takes <paramref name="cpuMilli"/> more CPU and turns
    /// <paramref name="newlyBusyGpus"/> free GPUs busy (watts, ≥ 0 for a real placement).
    /// </summary>
    public double PlacementDelta(int node, long cpuMilli, int newlyBusyGpus)
    {
        var p = _profiles[node];
        var cap = _cluster.CpuCap[node];
        var free = cap - _cluster.CpuUsed[node];
        var sockets = p.ActiveSockets(cap, free - cpuMilli) - p.ActiveSockets(cap, free);
        var delta = (sockets * (p.CpuActiveWatts - p.CpuIdleWatts)) + (newlyBusyGpus * (p.GpuMaxWatts - p.GpuIdleWatts));
        return Scale(p) * delta;
    }

    /// <summary>The factor by which declared whole-node watts stretch the components' increments (1 when none are declared).</summary>
    private static double Scale(NodePowerProfile p)
    {
        if (p.DeclaredIdleWatts is not { } idle || p.DeclaredPeakWatts is not { } peak)
        {
            return 1;
        }

        var span = p.ComponentMaxWatts - p.ComponentIdleWatts;
        return span <= 0 ? 0 : (peak - idle) / span;
    }

    private void Refresh(int node)
    {
        var w = _off[node] ? _profiles[node].StandbyWatts : ComputeOn(node);
        _total += w - _watts[node];
        _watts[node] = w;
        _at[node] = _cluster.NodeVersion(node);
    }

    private double ComputeOn(int node) =>
        _profiles[node].Watts(_cluster.CpuCap[node], _cluster.CpuCap[node] - _cluster.CpuUsed[node], _cluster.GpuFreeSpan(node));
}
