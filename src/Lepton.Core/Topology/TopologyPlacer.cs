using System.Globalization;
using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Workloads;

namespace Lepton.Core.Topology;

/// <summary>Places a gang that asks for topology (a shared level, NVLink), data locality or a latency budget: it tries
/// one domain at a time through the engine's ordinary gang placement, restricted by a node selector on the domain's
/// labels, and says what it kept, gave up or waits for.</summary>
/// <remarks>
/// <para>Domains of the requested level are tried best first: nearest to the data (shortest transfer), then cheapest
/// node (latency jobs), then smallest free room that still holds the gang (best fit, so that a rack's large free block
/// is not broken for a gang that fits in a smaller one). A domain whose free CPU, memory or GPU cannot cover the gang
/// is skipped without a probe. Required: only that level. Preferred (and no level): then the next level up, and so on
/// up to the whole cluster. A latency job never leaves the tier level (nodes of one tier domain share a latency).</para>
/// <para>Jobs without any of these fields never reach this class, so the engine's hot path is unchanged for them.</para>
/// </remarks>
internal sealed class TopologyPlacer(PlacementEngine engine, NetworkTopology network)
{
    /// <summary>Most domains probed per level and gang; bounds the cost on a cluster with many racks.</summary>
    private const int MaxProbesPerLevel = 64;

    private ClusterTopology? _topology;

    public ClusterTopology Topology => _topology ??= new ClusterTopology(engine.Cluster, network);

    public TopologyOutcome? Last { get; private set; }

    public static bool Applies(IReadOnlyList<TaskRequest> replicas) =>
        replicas.Count > 0 && (replicas[0].Topology is not null || replicas[0].Data is not null || replicas[0].Latency is not null);

    public bool TryPlace(IReadOnlyList<TaskRequest> replicas, Span<NodePlacement> result)
    {
        var t = Topology;
        var cluster = engine.Cluster;
        var first = replicas[0];
        var topo = first.Topology;
        var data = first.Data;
        var lat = first.Latency;
        var levelCount = t.Network.Levels.Count;
        var level = -1;
        if (topo?.Level is { } name)
        {
            level = t.IndexOf(name);
            if (level < 0 || level >= levelCount)
            {
                return Fail($"topology: unknown level '{name}' (levels: {string.Join(" > ", t.Network.Levels)})");
            }
        }

        var dataAt = data is null ? null : t.Locate(data.At);
        var users = lat is null ? null : t.Locate(lat.Users);
        if (lat is not null && users is null)
        {
            return Fail($"latency: users at '{lat.Users}' match no node label of the levels {string.Join(", ", t.Network.Levels)}");
        }

        bool[]? inBudget = null;
        var inBudgetCount = 0;
        if (users is not null)
        {
            inBudget = new bool[cluster.NodeCount];
            var nearest = double.PositiveInfinity;
            for (var i = 0; i < cluster.NodeCount; i++)
            {
                var ms = t.LatencyMs(users, i);
                nearest = Math.Min(nearest, ms);
                inBudget[i] = ms <= lat!.BudgetMs;
                inBudgetCount += inBudget[i] ? 1 : 0;
            }

            if (inBudgetCount == 0)
            {
                return Fail(Invariant($"latency: no node is within {lat!.BudgetMs:0.##} ms of users at {users.Name} (the nearest is {nearest:0.##} ms)"));
            }
        }

        var start = level;
        var floor = -1;
        if (users is not null)
        {
            // Latency is uniform inside one tier domain, so a latency job is placed one tier domain (or deeper) at a time.
            var tierLevel = t.TierLevel >= 0 ? t.TierLevel : levelCount - 1;
            start = Math.Max(start, tierLevel);
            floor = tierLevel;
        }
        else if (level < 0 && dataAt is not null)
        {
            start = dataAt.Level;
        }

        if (topo is { Required: true, Level: not null })
        {
            floor = start;
        }

        var need = Need(replicas);
        var home = dataAt is null ? 0 : NearestTransfer(t, data!, dataAt);
        var allowance = data?.RunTime is { } run ? run.TotalSeconds * t.Network.RemoteDataAllowance : double.PositiveInfinity;
        var heldBackByData = false;
        var bestFreeGpu = 0L;
        for (var k = start; k >= floor; k--)
        {
            var domains = k >= 0 ? t.DomainsAt(k) : [new TopologyDomain(-1, "cluster", EmptySelector, [])];
            var free = FreeByDomain(t, k, domains.Count, inBudget);
            var candidates = new List<(int Index, double Transfer, double Price, long Leftover)>();
            for (var d = 0; d < domains.Count; d++)
            {
                var f = free[d];
                if (k == start)
                {
                    bestFreeGpu = Math.Max(bestFreeGpu, f.Gpu);
                }

                if (f.Gpu < need.Gpu || f.Cpu < need.Cpu || f.Mem < need.Mem || f.Nodes == 0)
                {
                    continue;
                }

                var transfer = dataAt is not null && k >= 0 ? t.EstimateTransfer(data!.SizeMiB, dataAt, domains[d].Nodes[0]).Seconds : home;
                if (transfer - home > allowance)
                {
                    heldBackByData = true;
                    continue;
                }

                candidates.Add((d, transfer, f.MinPrice, need.Gpu > 0 ? f.Gpu - need.Gpu : f.Cpu - need.Cpu));
            }

            candidates.Sort(static (a, b) => a.Transfer != b.Transfer ? a.Transfer.CompareTo(b.Transfer)
                : a.Price != b.Price ? a.Price.CompareTo(b.Price)
                : a.Leftover != b.Leftover ? a.Leftover.CompareTo(b.Leftover)
                : a.Index.CompareTo(b.Index));
            for (var c = 0; c < candidates.Count && c < MaxProbesPerLevel; c++)
            {
                var domain = domains[candidates[c].Index];
                var restricted = Restrict(replicas, domain);
                if (!engine.TryPlaceGangPlain(restricted, result))
                {
                    continue;
                }

                if (topo is { NvLink: true } && !FitNvLink(restricted, result))
                {
                    continue;
                }

                var outcome = Describe(t, replicas, result, k, level, domain, dataAt, users);
                if (dataAt is not null && k < 0 && outcome.Transfer is { } moved && moved.Seconds - home > allowance)
                {
                    Undo(restricted, result);
                    heldBackByData = true;
                    continue;
                }

                Last = outcome;
                return true;
            }
        }

        var n = replicas.Count;
        var what = n > 1 ? $"all {n} replicas" : "the job";
        if (heldBackByData)
        {
            var far = double.PositiveInfinity;
            for (var i = 0; i < cluster.NodeCount; i++)
            {
                var s = t.EstimateTransfer(data!.SizeMiB, dataAt!, i).Seconds;
                far = s > home ? Math.Min(far, s) : far;
            }

            return Fail($"data '{data!.Name}' at {dataAt!.Name}: no room near the data now, and running farther away adds "
                + $"{TransferEstimate.FormatSeconds(far - home)} of transfer, more than {Invariant($"{t.Network.RemoteDataAllowance * 100:0.#}")} % of its "
                + $"{TransferEstimate.FormatSeconds(data.RunTime!.Value.TotalSeconds)} run; waiting for room near the data");
        }

        if (topo is { Required: true, Level: not null })
        {
            var levelName = t.Network.Levels[level];
            var scope = users is not null ? Invariant($" within {lat!.BudgetMs:0.##} ms of users at {users.Name}") : "";
            var most = Invariant($"the most free GPU in one is {bestFreeGpu / 1000.0:0.##} of {need.Gpu / 1000.0:0.##} needed");
            return Fail($"topology: required {levelName}: no {levelName}{scope} has room for {what} now ({t.DomainsAt(level).Count} {levelName}s; {most})");
        }

        if (users is not null)
        {
            return Fail(Invariant($"latency: {inBudgetCount} nodes are within {lat!.BudgetMs:0.##} ms of users at {users.Name}, but none has room for {what} now"));
        }

        return Fail($"topology: no domain has room for {what} now");
    }

    private bool Fail(string message)
    {
        Last = new TopologyOutcome(false, message, null, null, null, null);
        return false;
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private static readonly IReadOnlyDictionary<string, string> EmptySelector = new Dictionary<string, string>();

    private TopologyOutcome Describe(ClusterTopology t, IReadOnlyList<TaskRequest> replicas, Span<NodePlacement> result, int k, int level,
        TopologyDomain domain, TopologyLocation? dataAt, TopologyLocation? users)
    {
        var first = replicas[0];
        var parts = new List<string>(3);
        string? gaveUp = null;
        var n = replicas.Count;
        var where = k < 0 ? "the whole cluster" : domain.Name;
        if (first.Topology is { Level: not null } topo)
        {
            var levelName = t.Network.Levels[level];
            if (k == level || (first.Latency is not null && k > level))
            {
                parts.Add($"topology: {(topo.Required ? "required" : "preferred")} {levelName} kept: {(n > 1 ? $"all {n} replicas" : "placed")} in {SpanName(t, result, level, n, domain)}");
            }
            else
            {
                gaveUp = levelName;
                parts.Add($"topology: preferred {levelName} given up: no single {levelName} had room for {(n > 1 ? $"all {n} replicas" : "the job")}; "
                    + $"placed within {where} across {Distinct(t, result, level, n)} {levelName}s");
            }
        }

        if (first.Topology is { NvLink: true })
        {
            parts.Add("nvlink: each multi-GPU replica's GPUs share one NVLink group");
        }

        TransferEstimate? transfer = null;
        if (dataAt is not null && first.Data is { } data)
        {
            for (var r = 0; r < n; r++)
            {
                var e = t.EstimateTransfer(data.SizeMiB, dataAt, result[r].Node);
                transfer = transfer is null || e.Seconds > transfer.Value.Seconds ? e : transfer;
            }

            parts.Add($"data '{data.Name}' at {dataAt.Name}: transfer estimate {transfer}");
        }
        else if (first.Data is { } unknown)
        {
            parts.Add($"data '{unknown.Name}': location '{unknown.At}' matches no node label; no transfer estimate");
        }

        double? latency = null;
        if (users is not null)
        {
            var worst = 0;
            for (var r = 0; r < n; r++)
            {
                var ms = t.LatencyMs(users, result[r].Node);
                if (latency is null || ms > latency)
                {
                    latency = ms;
                    worst = result[r].Node;
                }
            }

            parts.Add(Invariant($"latency: {latency:0.##} ms from users at {users.Name} (budget {first.Latency!.BudgetMs:0.##} ms) on {t.TierOf(worst) ?? "untiered"} node {t.Cluster.NodeAt(worst).Name}"));
        }

        return new TopologyOutcome(true, string.Join("; ", parts), k < 0 ? "cluster" : domain.Name, gaveUp, transfer, latency);
    }

    private static string SpanName(ClusterTopology t, Span<NodePlacement> result, int level, int n, TopologyDomain domain)
    {
        var d = t.DomainOf(level, result[0].Node);
        return d >= 0 && Distinct(t, result, level, n) == 1 ? t.DomainsAt(level)[d].Name : domain.Name;
    }

    private static int Distinct(ClusterTopology t, Span<NodePlacement> result, int level, int n)
    {
        var seen = new HashSet<int>();
        for (var r = 0; r < n; r++)
        {
            seen.Add(t.DomainOf(level, result[r].Node));
        }

        return seen.Count;
    }

    private static double NearestTransfer(ClusterTopology t, DataRequirement data, TopologyLocation at)
    {
        var best = double.PositiveInfinity;
        for (var i = 0; i < t.Cluster.NodeCount; i++)
        {
            best = Math.Min(best, t.EstimateTransfer(data.SizeMiB, at, i).Seconds);
        }

        return best;
    }

    private static (long Gpu, long Cpu, long Mem) Need(IReadOnlyList<TaskRequest> replicas)
    {
        long gpu = 0, cpu = 0, mem = 0;
        foreach (var r in replicas)
        {
            gpu += ClusterState.EffectiveGpuMilli(r) == 0 ? 0 : r.GpuCount * (long)ClusterState.EffectiveGpuMilli(r);
            cpu += r.CpuMilli;
            mem += r.MemoryMiB;
        }

        return (gpu, cpu, mem);
    }

    private static DomainFree[] FreeByDomain(ClusterTopology t, int level, int count, bool[]? inBudget)
    {
        var cluster = t.Cluster;
        var free = new DomainFree[count];
        for (var d = 0; d < count; d++)
        {
            free[d].MinPrice = double.PositiveInfinity;
        }

        for (var i = 0; i < cluster.NodeCount; i++)
        {
            var d = level >= 0 ? t.DomainOf(level, i) : 0;
            if (d < 0 || cluster.StateOf(i) != NodeState.Ready || (inBudget is not null && !inBudget[i]))
            {
                continue;
            }

            var f = cluster.Free(i);
            free[d].Gpu += f.GpuMilli;
            free[d].Cpu += f.CpuMilli;
            free[d].Mem += f.MemoryMiB;
            free[d].Nodes++;
            free[d].MinPrice = Math.Min(free[d].MinPrice, cluster.NodeAt(i).PricePerHour);
        }

        return free;
    }

    private static IReadOnlyList<TaskRequest> Restrict(IReadOnlyList<TaskRequest> replicas, TopologyDomain domain)
    {
        if (domain.Level < 0)
        {
            return replicas;
        }

        var selector = domain.Selector;
        if (replicas[0].NodeSelector.Count > 0)
        {
            var merged = new Dictionary<string, string>(replicas[0].NodeSelector, StringComparer.Ordinal);
            foreach (var (key, value) in domain.Selector)
            {
                merged[key] = value;
            }

            selector = merged;
        }

        var restricted = new TaskRequest[replicas.Count];
        for (var i = 0; i < restricted.Length; i++)
        {
            restricted[i] = replicas[i] with { NodeSelector = selector };
        }

        return restricted;
    }

    private void Undo(IReadOnlyList<TaskRequest> replicas, Span<NodePlacement> result)
    {
        for (var r = replicas.Count - 1; r >= 0; r--)
        {
            engine.Cluster.Release(result[r].Node, replicas[r], result[r].Gpus);
        }
    }

    /// <summary>Moves each multi-GPU replica onto GPUs of one NVLink group of its node (node label <c>nvlink</c>: GPUs per
    /// group; without it the whole node is one group). Undoes the gang and returns false when some replica cannot.</summary>
    private bool FitNvLink(IReadOnlyList<TaskRequest> replicas, Span<NodePlacement> result)
    {
        var cluster = engine.Cluster;
        for (var r = 0; r < replicas.Count; r++)
        {
            var task = replicas[r];
            var count = result[r].Gpus.Count;
            if (count < 2)
            {
                continue;
            }

            var node = result[r].Node;
            var size = GroupSize(cluster.NodeAt(node));
            if (size <= 0 || size >= cluster.NodeAt(node).GpuCount || SameGroup(result[r].Gpus, size))
            {
                continue;
            }

            cluster.Release(node, task, result[r].Gpus);
            var free = cluster.GpuFreeSpan(node);
            var moved = false;
            for (var g = 0; g + size <= free.Length && !moved; g += size)
            {
                var set = GpuSet.Empty;
                for (var i = g; i < g + size && set.Count < count; i++)
                {
                    set = free[i] >= ClusterState.MilliPerGpu ? set.With(i) : set;
                }

                if (set.Count == count)
                {
                    result[r] = new NodePlacement(node, set);
                    moved = true;
                }
            }

            cluster.Allocate(node, task, result[r].Gpus);
            if (!moved)
            {
                Undo(replicas, result);
                return false;
            }
        }

        return true;
    }

    private static int GroupSize(NodeSpec node) =>
        node.Labels.TryGetValue("nvlink", out var v) && int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var size) ? size : 0;

    private static bool SameGroup(GpuSet gpus, int size)
    {
        var group = -1;
        foreach (var i in gpus)
        {
            if (group >= 0 && i / size != group)
            {
                return false;
            }

            group = i / size;
        }

        return true;
    }

    private struct DomainFree
    {
        public long Gpu;
        public long Cpu;
        public long Mem;
        public int Nodes;
        public double MinPrice;
    }
}
