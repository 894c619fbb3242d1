using System.Numerics;
using Lepton.Core.Cluster;

namespace Lepton.Core.Placement.Framework;

/// <summary>Groups nodes into equivalence classes — same shape and same free state — so a scan evaluates each class once.</summary>
/// <remarks>
/// <para>Two nodes are equivalent when every filter and score sees them alike: same capacities, GPU count, GPU model,
/// label set and state, same CPU/memory/FPGA/network in use, the same multiset of free GPU milli (scores do not depend
/// on GPU order; GPU indices are picked afterwards on the chosen node itself) and, when the policy looks at them, the
/// same GPU-clustering affinity tags.</para>
/// <para>Each class's representative is its lowest-rank member, so the tie-break "lowest rank among equal scores" needs
/// nothing but the representative. When the representative leaves, the next one is found by walking the
/// rank-ordered class array upwards from its rank (members only ever have higher ranks).</para>
/// <para>The classes follow the cluster through its change journal: at each <see cref="Sync"/> changed nodes are first
/// all taken out of their classes (so every representative left is unchanged) and then put into the class of their
/// new state. A hash table (open addressing, linear probing, backward-shift deletion) finds that class.
/// Everything is allocated up front: there are never more classes than nodes.</para>
/// </remarks>
internal sealed class NodeClasses
{
    private readonly ClusterState _cluster;
    private readonly int[] _ranks;
    private readonly bool _withTags;
    private readonly int[] _nodeAtRank;
    private readonly int[] _classByRank;
    private readonly int[] _classOf;
    private readonly int[] _count;
    private readonly int[] _rep;
    private readonly int[] _hash;
    private readonly int[] _activePos;
    private readonly int[] _withGpuPos;
    private readonly int[] _freeIds;
    private int _freeCount;
    private readonly int[] _table;
    private readonly int _tableMask;
    private readonly long[] _syncedVersion;
    private readonly int[] _changed;
    private readonly int[] _moving;
    private long _clusterVersion;

    public NodeClasses(ClusterState cluster, int[] ranks, bool withTags)
    {
        _cluster = cluster;
        _ranks = ranks;
        _withTags = withTags;
        var n = cluster.NodeCount;
        _nodeAtRank = new int[n];
        for (var i = 0; i < n; i++)
        {
            _nodeAtRank[ranks[i]] = i;
        }

        _classByRank = new int[n];
        _classOf = new int[n];
        _count = new int[n];
        _rep = new int[n];
        _hash = new int[n];
        Active = new int[n];
        _activePos = new int[n];
        WithFreeGpu = new int[n];
        _withGpuPos = new int[n];
        _freeIds = new int[n];
        for (var c = 0; c < n; c++)
        {
            _freeIds[c] = n - 1 - c;
        }

        _freeCount = n;
        _table = new int[(int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(4, n * 2))];
        _tableMask = _table.Length - 1;
        _syncedVersion = new long[n];
        _changed = new int[cluster.JournalCapacity];
        _moving = new int[n];
        _clusterVersion = cluster.Version;

        // Insert in rank order so each class's first member is its lowest-rank one.
        for (var r = 0; r < n; r++)
        {
            var node = _nodeAtRank[r];
            Insert(node);
            _syncedVersion[node] = cluster.NodeVersions[node];
        }
    }

    /// <summary>Ids of the live classes, first <see cref="ActiveCount"/> entries.</summary>
    public int[] Active { get; }

    public int ActiveCount { get; private set; }

    /// <summary>Ids of the live classes with at least one GPU not fully allocated, first <see cref="WithFreeGpuCount"/>
    /// entries: the only ones a GPU task can use, so its scan skips GPU-full and CPU-only nodes.</summary>
    public int[] WithFreeGpu { get; }

    public int WithFreeGpuCount { get; private set; }

    /// <summary>The lowest-rank node of class <paramref name="c"/>.</summary>
    public int Representative(int c) => _rep[c];

    /// <summary>Brings the classes up to date with every change made to the cluster since the last call.</summary>
    public void Sync()
    {
        if (_clusterVersion == _cluster.Version)
        {
            return;
        }

        var versions = _cluster.NodeVersions;
        var moving = 0;
        var changed = _cluster.ChangedSince(_clusterVersion, _changed);
        if (changed >= 0)
        {
            for (var k = 0; k < changed; k++)
            {
                var node = _changed[k];
                if (_syncedVersion[node] != versions[node] && _syncedVersion[node] != -1)
                {
                    _syncedVersion[node] = -1;
                    _moving[moving++] = node;
                }
            }
        }
        else
        {
            for (var node = 0; node < versions.Length; node++)
            {
                if (_syncedVersion[node] != versions[node])
                {
                    _syncedVersion[node] = -1;
                    _moving[moving++] = node;
                }
            }
        }

        for (var k = 0; k < moving; k++)
        {
            Remove(_moving[k]);
        }

        for (var k = 0; k < moving; k++)
        {
            var node = _moving[k];
            Insert(node);
            _syncedVersion[node] = versions[node];
        }

        _clusterVersion = _cluster.Version;
    }

    private void Remove(int node)
    {
        var c = _classOf[node];
        var rank = _ranks[node];
        _classByRank[rank] = -1;
        if (--_count[c] == 0)
        {
            FreeClass(c);
            return;
        }

        if (_rep[c] == node)
        {
            var r = rank + 1;
            while (_classByRank[r] != c)
            {
                r++;
            }

            _rep[c] = _nodeAtRank[r];
        }
    }

    private void Insert(int node)
    {
        var hash = Hash(node);
        var slot = hash & _tableMask;
        while (_table[slot] != 0)
        {
            var c = _table[slot] - 1;
            if (_hash[c] == hash && Equivalent(_rep[c], node))
            {
                _count[c]++;
                _classOf[node] = c;
                _classByRank[_ranks[node]] = c;
                if (_ranks[node] < _ranks[_rep[c]])
                {
                    _rep[c] = node;
                }

                return;
            }

            slot = (slot + 1) & _tableMask;
        }

        var id = _freeIds[--_freeCount];
        _table[slot] = id + 1;
        _hash[id] = hash;
        _count[id] = 1;
        _rep[id] = node;
        _classOf[node] = id;
        _classByRank[_ranks[node]] = id;
        _activePos[id] = ActiveCount;
        Active[ActiveCount++] = id;
        if (_cluster.GpuMaxFree[node] > 0)
        {
            _withGpuPos[id] = WithFreeGpuCount;
            WithFreeGpu[WithFreeGpuCount++] = id;
        }
        else
        {
            _withGpuPos[id] = -1;
        }
    }

    private void FreeClass(int c)
    {
        // Backward-shift deletion keeps every probe chain unbroken without tombstones.
        var slot = _hash[c] & _tableMask;
        while (_table[slot] != c + 1)
        {
            slot = (slot + 1) & _tableMask;
        }

        var hole = slot;
        var next = (hole + 1) & _tableMask;
        while (_table[next] != 0)
        {
            var home = _hash[_table[next] - 1] & _tableMask;
            // Move the entry back when its home is not inside (hole, next] (cyclically).
            if (((next - home) & _tableMask) >= ((next - hole) & _tableMask))
            {
                _table[hole] = _table[next];
                hole = next;
            }

            next = (next + 1) & _tableMask;
        }

        _table[hole] = 0;
        var pos = _activePos[c];
        var last = Active[--ActiveCount];
        Active[pos] = last;
        _activePos[last] = pos;
        var gpuPos = _withGpuPos[c];
        if (gpuPos >= 0)
        {
            var lastWithGpu = WithFreeGpu[--WithFreeGpuCount];
            WithFreeGpu[gpuPos] = lastWithGpu;
            _withGpuPos[lastWithGpu] = gpuPos;
        }

        _freeIds[_freeCount++] = c;
    }

    private int Hash(int node)
    {
        var c = _cluster;
        var h = new HashCode();
        h.Add(c.CpuCap[node]);
        h.Add(c.MemCap[node]);
        h.Add(c.CpuUsed[node]);
        h.Add(c.MemUsed[node]);
        h.Add(c.GpuCount[node]);
        h.Add(c.ModelId[node]);
        h.Add(c.LabelSetId[node]);
        h.Add(c.FpgaCap[node] - c.FpgaUsed[node]);
        h.Add(c.NetCap[node] - c.NetUsed[node]);
        h.Add(c.RdmaCap[node] - c.RdmaUsed[node]);
        h.Add((int)c.States[node]);
        foreach (var f in c.GpuFreeSortedSpan(node))
        {
            h.Add(f);
        }

        if (_withTags)
        {
            h.Add(c.DistinctTags[node]);
        }

        return h.ToHashCode() & int.MaxValue;
    }

    private bool Equivalent(int a, int b)
    {
        var c = _cluster;
        if (c.CpuCap[a] != c.CpuCap[b] || c.MemCap[a] != c.MemCap[b] || c.CpuUsed[a] != c.CpuUsed[b] || c.MemUsed[a] != c.MemUsed[b]
            || c.GpuCount[a] != c.GpuCount[b] || c.ModelId[a] != c.ModelId[b] || c.LabelSetId[a] != c.LabelSetId[b]
            || c.FpgaCap[a] != c.FpgaCap[b] || c.FpgaUsed[a] != c.FpgaUsed[b] || c.NetCap[a] != c.NetCap[b] || c.NetUsed[a] != c.NetUsed[b]
            || c.RdmaCap[a] != c.RdmaCap[b] || c.RdmaUsed[a] != c.RdmaUsed[b]
            || c.States[a] != c.States[b] || !c.GpuFreeSortedSpan(a).SequenceEqual(c.GpuFreeSortedSpan(b)))
        {
            return false;
        }

        return !_withTags
            || (c.DistinctTags[a] == c.DistinctTags[b]
                && c.TagCounts.AsSpan(a * ClusterState.TagSlots, ClusterState.TagSlots)
                    .SequenceEqual(c.TagCounts.AsSpan(b * ClusterState.TagSlots, ClusterState.TagSlots)));
    }
}
