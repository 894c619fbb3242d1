using Lepton.Core.Cluster;

namespace Lepton.Core.Placement;

/// <summary>Keeps every node's FGD fragmentation F(N) up to date as the cluster changes, recomputing only changed nodes.</summary>
/// <remarks>
/// Reading a total compares each node's <see cref="ClusterState.NodeVersion"/> with the version F was computed at
/// (one integer compare per node) and recomputes F for the nodes that changed. The total is summed in node order,
/// as the paper's simulator does, so it does not drift however long the run.
/// </remarks>
public sealed class FragmentationTracker
{
    private readonly ClusterState _cluster;
    private readonly CompiledTarget _target;
    private readonly double[] _frag;
    private readonly double[] _categories;
    private readonly long[] _computedAt;
    private long _clusterVersion = -1;
    private double _total;

    /// <summary>Tracks <paramref name="cluster"/> against the typical tasks of <paramref name="target"/>.</summary>
    public FragmentationTracker(ClusterState cluster, TargetWorkload target)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(target);
        _cluster = cluster;
        _target = new CompiledTarget(target, cluster.Models);
        _frag = new double[cluster.NodeCount];
        _categories = new double[cluster.NodeCount * CompiledTarget.Categories];
        _computedAt = new long[cluster.NodeCount];
        Array.Fill(_computedAt, -1);
    }

    /// <summary>Σ F(N) over all nodes, in milli-GPU.</summary>
    public double TotalFragmentedMilli
    {
        get
        {
            Refresh();
            return _total;
        }
    }

    /// <summary>Σ free GPU milli over all nodes.</summary>
    public long TotalIdleMilli
    {
        get
        {
            long idle = 0;
            var totals = _cluster.GpuFreeTotal;
            for (var i = 0; i < totals.Length; i++)
            {
                idle += totals[i];
            }

            return idle;
        }
    }

    /// <summary>Fragmented share of the idle GPU milli in percent (0 when nothing is idle).</summary>
    public double FragmentationRatioPct
    {
        get
        {
            var idle = TotalIdleMilli;
            return idle == 0 ? 0 : 100.0 * TotalFragmentedMilli / idle;
        }
    }

    /// <summary>F(N) of one node, in milli-GPU.</summary>
    public double NodeFragmentedMilli(int node)
    {
        Refresh();
        return _frag[node];
    }

    /// <summary>Sums of the 7 categories (Q1, Q2, Q3, Q4, XL, XR, NA) over all nodes into <paramref name="categories"/>.</summary>
    public void CategoryTotals(Span<double> categories)
    {
        Refresh();
        categories[..CompiledTarget.Categories].Clear();
        for (var i = 0; i < _frag.Length; i++)
        {
            for (var c = 0; c < CompiledTarget.Categories; c++)
            {
                categories[c] += _categories[i * CompiledTarget.Categories + c];
            }
        }
    }

    private void Refresh()
    {
        if (_clusterVersion == _cluster.Version)
        {
            return;
        }

        var total = 0.0;
        var versions = _cluster.NodeVersions;
        for (var i = 0; i < _frag.Length; i++)
        {
            if (_computedAt[i] != versions[i])
            {
                _frag[i] = _target.Fragmentation(_cluster, i, _categories.AsSpan(i * CompiledTarget.Categories, CompiledTarget.Categories));
                _computedAt[i] = versions[i];
            }

            total += _frag[i];
        }

        _total = total;
        _clusterVersion = _cluster.Version;
    }
}
