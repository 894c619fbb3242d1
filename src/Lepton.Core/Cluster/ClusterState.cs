using Lepton.Core.Placement;
using Lepton.Core.Resources;
using Lepton.Core.Workloads;

namespace Lepton.Core.Cluster;

/// <summary>The mutable state of a cluster: node capacities and what is allocated on them, stored as one array per field.</summary>
/// <remarks>
/// Struct-of-arrays keeps the placement scan cache-friendly: a filter that reads free CPU walks one <c>long[]</c>.
/// Each GPU's free milli-GPU is kept in one flat array (<c>GpuStart[node] + gpu</c>); per node the total free GPU,
/// the largest free GPU and the number of fully free GPUs are kept up to date so filters need not loop over GPUs.
/// Every change bumps the node's <see cref="NodeVersion"/> and appends the node to a bounded change journal, which
/// caches (placement engines, fragmentation trackers) read to refresh only what changed.
/// Invariant: nothing is ever allocated beyond capacity; <see cref="Allocate"/> throws instead.
/// </remarks>
public sealed class ClusterState
{
    /// <summary>Milli-GPU held by one whole GPU.</summary>
    public const int MilliPerGpu = 1000;

    /// <summary>Most GPUs one node may carry (a <see cref="GpuSet"/> is a 64-bit mask).</summary>
    public const int MaxGpusPerNode = 64;

    /// <summary>Affinity-tag slots: slot 0 is "share-gpu", slot n is "n-gpu" (used by GPU clustering).</summary>
    internal const int TagSlots = MaxGpusPerNode + 1;

    private readonly NodeSpec[] _specs;
    private readonly Dictionary<string, int> _indexByName;
    // GPU model names match case-insensitively everywhere (a trace's "v100" is a node's "V100").
    private readonly Dictionary<string, int> _modelIds = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, int> _groupIds = new(StringComparer.Ordinal);
    private readonly Dictionary<long, int> _replicasOnNode = [];
    private readonly List<int> _groupLimit = [];
    private readonly List<int> _groupNodesAtLimit = [];
    private readonly List<string> _models = [];
    private readonly int[] _journal;
    private long _journalSeq;

    internal readonly long[] CpuCap;
    internal readonly long[] MemCap;
    internal readonly long[] NetCap;
    internal readonly long[] RdmaCap;
    internal readonly long[] RdmaUsed;
    internal readonly int[] FpgaCap;
    internal readonly int[] GpuCount;
    internal readonly int[] ModelId;
    internal readonly int[] LabelSetId;
    internal readonly long[] CpuUsed;
    internal readonly long[] MemUsed;
    internal readonly long[] NetUsed;
    internal readonly int[] FpgaUsed;
    internal readonly int[] PodCount;
    internal readonly NodeState[] States;
    internal readonly int[] GpuStart;
    internal readonly int[] GpuFree;
    internal readonly int[] GpuFreeSorted;
    internal readonly int[] GpuFreeTotal;
    internal readonly int[] GpuMaxFree;
    internal readonly int[] GpuFullyFree;
    internal readonly int[] TagCounts;
    internal readonly int[] DistinctTags;
    internal readonly long[] NodeVersions;
    internal readonly IReadOnlyDictionary<string, string>[] LabelSets;

    /// <summary>Price per GPU-hour of each node (its price over its GPU count; 0 when no price is set).</summary>
    internal readonly double[] PricePerGpu;

    /// <summary>Per GPU model id: the lowest positive price per GPU-hour of any node with that model (0 when none is priced).</summary>
    internal readonly double[] ModelPricePerGpu;

    /// <summary>Creates the state of an empty cluster (nothing allocated) from its nodes.</summary>
    /// <exception cref="ArgumentException">Duplicate node names, negative capacities or more than 64 GPUs on a node.</exception>
    public ClusterState(IReadOnlyList<NodeSpec> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        var n = nodes.Count;
        _specs = new NodeSpec[n];
        _indexByName = new Dictionary<string, int>(n, StringComparer.Ordinal);
        CpuCap = new long[n];
        MemCap = new long[n];
        NetCap = new long[n];
        RdmaCap = new long[n];
        RdmaUsed = new long[n];
        FpgaCap = new int[n];
        GpuCount = new int[n];
        ModelId = new int[n];
        LabelSetId = new int[n];
        CpuUsed = new long[n];
        MemUsed = new long[n];
        NetUsed = new long[n];
        FpgaUsed = new int[n];
        PodCount = new int[n];
        States = new NodeState[n];
        GpuStart = new int[n + 1];
        GpuFreeTotal = new int[n];
        GpuMaxFree = new int[n];
        GpuFullyFree = new int[n];
        DistinctTags = new int[n];
        NodeVersions = new long[n];
        TagCounts = new int[n * TagSlots];
        _journal = new int[Math.Max(1024, 2 * n)];

        var labelSets = new List<IReadOnlyDictionary<string, string>>();
        var labelKeys = new Dictionary<string, int>(StringComparer.Ordinal);
        var totalGpus = 0;
        for (var i = 0; i < n; i++)
        {
            var spec = nodes[i] ?? throw new ArgumentException($"node {i} is null", nameof(nodes));
            if (!_indexByName.TryAdd(spec.Name, i))
            {
                throw new ArgumentException($"duplicate node name '{spec.Name}'", nameof(nodes));
            }

            if (spec.GpuCount is < 0 or > MaxGpusPerNode)
            {
                throw new ArgumentException($"node '{spec.Name}': gpu count {spec.GpuCount} is outside 0..{MaxGpusPerNode}", nameof(nodes));
            }

            if (spec.CpuMilli < 0 || spec.MemoryMiB < 0 || spec.Fpga < 0 || spec.NetworkMbps < 0 || spec.RdmaNics < 0)
            {
                throw new ArgumentException($"node '{spec.Name}': capacities must not be negative", nameof(nodes));
            }

            _specs[i] = spec;
            CpuCap[i] = spec.CpuMilli;
            MemCap[i] = spec.MemoryMiB;
            NetCap[i] = spec.NetworkMbps;
            RdmaCap[i] = spec.RdmaNics * 1000L;
            FpgaCap[i] = spec.Fpga;
            GpuCount[i] = spec.GpuCount;
            ModelId[i] = spec.GpuCount > 0 ? InternModel(spec.GpuModel) : -1;
            States[i] = spec.State;
            GpuStart[i] = totalGpus;
            totalGpus += spec.GpuCount;

            var labelKey = LabelKey(spec.Labels);
            if (!labelKeys.TryGetValue(labelKey, out var labelId))
            {
                labelId = labelSets.Count;
                labelKeys.Add(labelKey, labelId);
                labelSets.Add(spec.Labels);
            }

            LabelSetId[i] = labelId;
        }

        GpuStart[n] = totalGpus;
        GpuFree = new int[totalGpus];
        Array.Fill(GpuFree, MilliPerGpu);
        GpuFreeSorted = new int[totalGpus];
        LabelSets = [.. labelSets];
        PricePerGpu = new double[n];
        ModelPricePerGpu = new double[_models.Count];
        for (var i = 0; i < n; i++)
        {
            var price = nodes[i].GpuCount > 0 && double.IsFinite(nodes[i].PricePerHour) && nodes[i].PricePerHour > 0
                ? nodes[i].PricePerHour / nodes[i].GpuCount
                : 0;
            PricePerGpu[i] = price;
            if (price > 0 && ModelId[i] >= 0 && (ModelPricePerGpu[ModelId[i]] == 0 || price < ModelPricePerGpu[ModelId[i]]))
            {
                ModelPricePerGpu[ModelId[i]] = price;
            }
        }
        for (var i = 0; i < n; i++)
        {
            RefreshGpuSummary(i);
        }
    }

    /// <summary>Number of nodes.</summary>
    public int NodeCount => _specs.Length;

    /// <summary>Incremented on every change to any node.</summary>
    public long Version => _journalSeq;

    /// <summary>Distinct GPU models present, indexed by model id.</summary>
    internal IReadOnlyList<string> Models => _models;

    /// <summary>The node's description.</summary>
    public NodeSpec NodeAt(int node) => _specs[node];

    /// <summary>Index of the node named <paramref name="name"/>, or -1 if there is none.</summary>
    public int IndexOf(string name) => _indexByName.TryGetValue(name, out var i) ? i : -1;

    /// <summary>The node's state (Ready nodes take new work).</summary>
    public NodeState StateOf(int node) => States[node];

    /// <summary>Changes the node's state (e.g. Draining or Down); what is allocated stays.</summary>
    public void SetState(int node, NodeState state)
    {
        if (States[node] != state)
        {
            States[node] = state;
            Touch(node);
        }
    }

    /// <summary>A counter that changes whenever this node's allocations or state change (for caches).</summary>
    public long NodeVersion(int node) => NodeVersions[node];

    /// <summary>Node capacity.</summary>
    public ResourceVector Capacity(int node) =>
        new(CpuCap[node], MemCap[node], GpuCount[node] * (long)MilliPerGpu, FpgaCap[node], NetCap[node], RdmaCap[node]);

    /// <summary>What is allocated on the node.</summary>
    public ResourceVector Allocated(int node) =>
        new(CpuUsed[node], MemUsed[node], GpuCount[node] * (long)MilliPerGpu - GpuFreeTotal[node], FpgaUsed[node], NetUsed[node], RdmaUsed[node]);

    /// <summary>Capacity minus allocation.</summary>
    public ResourceVector Free(int node) => Capacity(node) - Allocated(node);

    /// <summary>Free milli-GPU of GPU <paramref name="gpu"/> on the node.</summary>
    public int GpuFreeMilli(int node, int gpu)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(gpu);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(gpu, GpuCount[node]);
        return GpuFree[GpuStart[node] + gpu];
    }

    /// <summary>Free milli-GPU of every GPU on the node, in index order.</summary>
    public ReadOnlySpan<int> GpuFreeSpan(int node) => GpuFree.AsSpan(GpuStart[node], GpuCount[node]);

    /// <summary>Free milli-GPU of the node's GPUs in ascending order (the multiset every score depends on).</summary>
    internal ReadOnlySpan<int> GpuFreeSortedSpan(int node) => GpuFreeSorted.AsSpan(GpuStart[node], GpuCount[node]);

    /// <summary>Journal capacity: readers need a buffer this large for <see cref="ChangedSince"/>.</summary>
    internal int JournalCapacity => _journal.Length;

    /// <summary>Number of tasks of <paramref name="replicaGroup"/> (see <see cref="TaskRequest.ReplicaGroup"/>) with a
    /// <see cref="TaskRequest.MaxPerNode"/> limit allocated on the node.</summary>
    public int ReplicasOn(int node, string replicaGroup)
    {
        ArgumentNullException.ThrowIfNull(replicaGroup);
        return _groupIds.TryGetValue(replicaGroup, out var group) ? ReplicasOn(node, group) : 0;
    }

    /// <summary>Replicas of the interned group <paramref name="group"/> on the node (0 for an unknown group, -1).</summary>
    internal int ReplicasOn(int node, int group) =>
        group >= 0 && _replicasOnNode.TryGetValue(((long)group << 32) | (uint)node, out var count) ? count : 0;

    /// <summary>True when some node holds <paramref name="limit"/> or more replicas of <paramref name="group"/> (or the limit
    /// differs from the one the group is tracked by), so nodes of one equivalence class may differ for the limit filter
    /// and a placement must look at every node.</summary>
    internal bool AnyNodeAtLimit(int group, int limit) =>
        group >= 0 && (_groupLimit[group] != limit || _groupNodesAtLimit[group] > 0);

    /// <summary>Id of a replica group that has (or had) a limited task allocated, or -1.</summary>
    internal int GroupIdOf(string replicaGroup) => _groupIds.TryGetValue(replicaGroup, out var id) ? id : -1;

    /// <summary>Number of tasks allocated on the node.</summary>
    public int TaskCount(int node) => PodCount[node];

    /// <summary>Sum of all node capacities.</summary>
    public ResourceVector TotalCapacity
    {
        get
        {
            var total = ResourceVector.Zero;
            for (var i = 0; i < NodeCount; i++)
            {
                total += Capacity(i);
            }

            return total;
        }
    }

    /// <summary>Sum of all node allocations.</summary>
    public ResourceVector TotalAllocated
    {
        get
        {
            var total = ResourceVector.Zero;
            for (var i = 0; i < NodeCount; i++)
            {
                total += Allocated(i);
            }

            return total;
        }
    }

    /// <summary>Records <paramref name="task"/> as running on <paramref name="node"/> using <paramref name="gpus"/>.</summary>
    /// <exception cref="InvalidOperationException">The allocation would exceed the node's capacity or the GPU set does not match the request.</exception>
    public void Allocate(int node, TaskRequest task, GpuSet gpus)
    {
        ArgumentNullException.ThrowIfNull(task);
        var g = EffectiveGpuMilli(task);
        CheckGpuSet(node, task, gpus, g);
        if (CpuUsed[node] + task.CpuMilli > CpuCap[node] || MemUsed[node] + task.MemoryMiB > MemCap[node]
            || FpgaUsed[node] + task.Fpga > FpgaCap[node]
            || (NetCap[node] > 0 && NetUsed[node] + task.NetworkMbps > NetCap[node])
            || RdmaUsed[node] + task.RdmaMilli > RdmaCap[node])
        {
            throw new InvalidOperationException($"task '{task.Name}' does not fit on node '{_specs[node].Name}'");
        }

        if (task.MaxPerNode > 0 && ReplicasOn(node, task.ReplicaGroup) >= task.MaxPerNode)
        {
            throw new InvalidOperationException(
                $"task '{task.Name}': node '{_specs[node].Name}' already runs {task.MaxPerNode} replica(s) of '{task.ReplicaGroup}' (maxPerNode)");
        }

        var start = GpuStart[node];
        foreach (var j in gpus)
        {
            if (GpuFree[start + j] < g)
            {
                throw new InvalidOperationException($"task '{task.Name}': GPU {j} of node '{_specs[node].Name}' has only {GpuFree[start + j]} milli free");
            }
        }

        foreach (var j in gpus)
        {
            GpuFree[start + j] -= g;
        }

        CpuUsed[node] += task.CpuMilli;
        MemUsed[node] += task.MemoryMiB;
        FpgaUsed[node] += task.Fpga;
        NetUsed[node] += task.NetworkMbps;
        RdmaUsed[node] += task.RdmaMilli;
        PodCount[node]++;
        CountReplica(node, task, +1);
        AddTag(node, task, g, +1);
        RefreshGpuSummary(node);
        Touch(node);
    }

    /// <summary>Removes <paramref name="task"/> (allocated earlier with the same <paramref name="gpus"/>) from <paramref name="node"/>.</summary>
    /// <exception cref="InvalidOperationException">The node does not hold that much.</exception>
    public void Release(int node, TaskRequest task, GpuSet gpus)
    {
        ArgumentNullException.ThrowIfNull(task);
        var g = EffectiveGpuMilli(task);
        CheckGpuSet(node, task, gpus, g);
        var start = GpuStart[node];
        foreach (var j in gpus)
        {
            if (GpuFree[start + j] + g > MilliPerGpu)
            {
                throw new InvalidOperationException($"task '{task.Name}': GPU {j} of node '{_specs[node].Name}' does not hold {g} milli");
            }
        }

        if (CpuUsed[node] < task.CpuMilli || MemUsed[node] < task.MemoryMiB || FpgaUsed[node] < task.Fpga
            || NetUsed[node] < task.NetworkMbps || RdmaUsed[node] < task.RdmaMilli || PodCount[node] == 0)
        {
            throw new InvalidOperationException($"task '{task.Name}' is not allocated on node '{_specs[node].Name}'");
        }

        foreach (var j in gpus)
        {
            GpuFree[start + j] += g;
        }

        CpuUsed[node] -= task.CpuMilli;
        MemUsed[node] -= task.MemoryMiB;
        FpgaUsed[node] -= task.Fpga;
        NetUsed[node] -= task.NetworkMbps;
        RdmaUsed[node] -= task.RdmaMilli;
        PodCount[node]--;
        CountReplica(node, task, -1);
        AddTag(node, task, g, -1);
        RefreshGpuSummary(node);
        Touch(node);
    }

    /// <summary>The milli-GPU a task takes on each of its GPUs: 0 for a task without GPU (FGD-SPEC §1.2 rules).</summary>
    internal static int EffectiveGpuMilli(TaskRequest task) =>
        task.GpuCount <= 0 || task.GpuMilliPerGpu <= 0 ? 0 : Math.Min(task.GpuMilliPerGpu, MilliPerGpu);

    /// <summary>The GPU-clustering affinity tag slot of a task, or -1 for a task without GPU.</summary>
    internal static int TagOf(TaskRequest task, int g) =>
        g == 0 ? -1 : g < MilliPerGpu && task.GpuCount == 1 ? 0 : Math.Min(task.GpuCount, MaxGpusPerNode);

    /// <summary>Model id of a GPU model name, or -1 when no node has it.</summary>
    internal int ModelIdOf(string model) => _modelIds.TryGetValue(model, out var id) ? id : -1;

    /// <summary>
    /// Reads the change journal: copies the nodes changed since <paramref name="sinceVersion"/> into
    /// <paramref name="changed"/> (duplicates possible) and returns their count, or -1 when the journal no longer
    /// reaches back that far (the caller then rescans all nodes by <see cref="NodeVersion"/>).
    /// </summary>
    internal int ChangedSince(long sinceVersion, Span<int> changed)
    {
        var count = _journalSeq - sinceVersion;
        if (count <= 0)
        {
            return 0;
        }

        if (count > _journal.Length || count > changed.Length)
        {
            return -1;
        }

        for (long s = sinceVersion; s < _journalSeq; s++)
        {
            changed[(int)(s - sinceVersion)] = _journal[(int)(s % _journal.Length)];
        }

        return (int)count;
    }

    private void Touch(int node)
    {
        NodeVersions[node]++;
        _journal[(int)(_journalSeq % _journal.Length)] = node;
        _journalSeq++;
    }

    private void CheckGpuSet(int node, TaskRequest task, GpuSet gpus, int g)
    {
        var expected = g == 0 ? 0 : task.GpuCount;
        if (gpus.Count != expected || (gpus.Mask >> GpuCount[node] != 0 && GpuCount[node] < 64))
        {
            throw new InvalidOperationException(
                $"task '{task.Name}' needs {expected} GPU(s) but was given {gpus} on node '{_specs[node].Name}' with {GpuCount[node]} GPU(s)");
        }
    }

    /// <summary>Counts replicas per (group, node) for tasks with a per-node limit; others are not counted (nothing reads them).</summary>
    private void CountReplica(int node, TaskRequest task, int delta)
    {
        if (task.MaxPerNode <= 0)
        {
            return;
        }

        var key = task.ReplicaGroup;
        if (!_groupIds.TryGetValue(key, out var group))
        {
            group = _groupIds.Count;
            _groupIds.Add(key, group);
            _groupLimit.Add(task.MaxPerNode);
            _groupNodesAtLimit.Add(0);
        }

        var slot = ((long)group << 32) | (uint)node;
        var before = _replicasOnNode.TryGetValue(slot, out var c) ? c : 0;
        var count = before + delta;
        var limit = _groupLimit[group];
        _groupNodesAtLimit[group] += (count >= limit ? 1 : 0) - (before >= limit ? 1 : 0);
        if (count <= 0)
        {
            _replicasOnNode.Remove(slot);
        }
        else
        {
            _replicasOnNode[slot] = count;
        }
    }

    private void AddTag(int node, TaskRequest task, int g, int delta)
    {
        var tag = TagOf(task, g);
        if (tag < 0)
        {
            return;
        }

        ref var count = ref TagCounts[node * TagSlots + tag];
        if (delta > 0 && count == 0)
        {
            DistinctTags[node]++;
        }

        count += delta;
        if (delta < 0 && count == 0)
        {
            DistinctTags[node]--;
        }
    }

    private void RefreshGpuSummary(int node)
    {
        int total = 0, max = 0, fully = 0;
        foreach (var f in GpuFreeSpan(node))
        {
            total += f;
            max = Math.Max(max, f);
            fully += f == MilliPerGpu ? 1 : 0;
        }

        var sorted = GpuFreeSorted.AsSpan(GpuStart[node], GpuCount[node]);
        GpuFreeSpan(node).CopyTo(sorted);
        sorted.Sort();
        GpuFreeTotal[node] = total;
        GpuMaxFree[node] = max;
        GpuFullyFree[node] = fully;
    }

    private int InternModel(string model)
    {
        if (!_modelIds.TryGetValue(model, out var id))
        {
            id = _models.Count;
            _models.Add(model);
            _modelIds.Add(model, id);
        }

        return id;
    }

    private static string LabelKey(IReadOnlyDictionary<string, string> labels) =>
        string.Join('\n', labels.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + "=" + kv.Value));
}
