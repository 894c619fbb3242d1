using Lepton.Core.Cluster;

namespace Lepton.Core.Placement;

/// <summary>A <see cref="TargetWorkload"/> flattened into arrays for one cluster's GPU models: the fast form of FGD-SPEC §5.2.</summary>
/// <remarks>
/// Fragmentation of a node needs, per typical GPU class m, the number of GPUs with at least g_m free
/// (<c>cntGe</c>) and the free milli on GPUs with less (<c>sumLt</c>). Callers keep those per node and pass
/// hypothetical changes (GPUs going from v to v − g) so a candidate costs O(|T|), not O(|T|·k).
/// The accumulation order (per category, classes in T order, categories summed as Q1, Q2, Q4, XL, XR, NA) is the
/// spec's, so results are bit-identical to <see cref="NodeFragmentation.Compute"/>.
/// </remarks>
internal sealed class CompiledTarget
{
    internal const int Q1 = 0, Q2 = 1, Q3 = 2, Q4 = 3, XL = 4, XR = 5, NA = 6, Categories = 7;

    public CompiledTarget(TargetWorkload target, IReadOnlyList<string> models)
    {
        var m = target.Tasks.Count;
        Count = m;
        Cpu = new long[m];
        G = new int[m];
        N = new int[m];
        P = new double[m];
        // Row 0 is for nodes without GPUs (model ""), row 1 + id for each GPU model of the cluster.
        Accessible = new bool[(models.Count + 1) * m];
        for (var i = 0; i < m; i++)
        {
            var t = target.Tasks[i];
            Cpu[i] = t.CpuMilli;
            G[i] = t.GpuMilliPerGpu;
            N[i] = t.GpuCount;
            P[i] = t.Weight;
            Accessible[i] = t.Accepts("");
            for (var model = 0; model < models.Count; model++)
            {
                Accessible[(model + 1) * m + i] = t.Accepts(models[model]);
            }
        }
    }

    public int Count { get; }

    public long[] Cpu { get; }

    public int[] G { get; }

    public int[] N { get; }

    public double[] P { get; }

    public bool[] Accessible { get; }

    /// <summary>Fills <paramref name="cntGe"/> and <paramref name="sumLt"/> (one entry per class) for a node's GPUs.</summary>
    public void Stats(ReadOnlySpan<int> gpuFree, Span<int> cntGe, Span<int> sumLt)
    {
        for (var m = 0; m < Count; m++)
        {
            int cnt = 0, sum = 0;
            var g = G[m];
            foreach (var f in gpuFree)
            {
                if (f >= g)
                {
                    cnt++;
                }
                else
                {
                    sum += f;
                }
            }

            cntGe[m] = cnt;
            sumLt[m] = sum;
        }
    }

    /// <summary>
    /// Fragmentation F(N') of a node (model id <paramref name="modelId"/>, -1 for none) after the GPUs listed in
    /// <paramref name="changedFrom"/> each lose <paramref name="g"/> milli and CPU left becomes <paramref name="cpuLeft"/>.
    /// <paramref name="u"/> is the free GPU total after the change. Optionally fills the 7 category sums.
    /// </summary>
    public double Fragmentation(int modelId, long cpuLeft, int u, ReadOnlySpan<int> cntGe, ReadOnlySpan<int> sumLt,
        ReadOnlySpan<int> changedFrom, int g, Span<double> categories)
    {
        Span<double> d = stackalloc double[Categories];
        d.Clear();
        var row = (modelId + 1) * Count;
        var cpu = Cpu;
        var gs = G;
        var ns = N;
        var ps = P;
        var acc = Accessible;
        for (var m = 0; m < Count; m++)
        {
            var p = ps[m];
            var gm = gs[m];
            var cpuOk = cpuLeft >= cpu[m];
            if (gm == 0)
            {
                d[cpuOk ? XL : XR] += p * u;
                continue;
            }

            if (!acc[row + m])
            {
                d[NA] += p * u;
                continue;
            }

            var cnt = cntGe[m];
            var sum = sumLt[m];
            foreach (var v in changedFrom)
            {
                var w = v - g;
                if (v >= gm)
                {
                    cnt--;
                }
                else
                {
                    sum -= v;
                }

                if (w >= gm)
                {
                    cnt++;
                }
                else
                {
                    sum += w;
                }
            }

            if (cnt >= ns[m])
            {
                if (cpuOk)
                {
                    d[Q2] += p * sum;
                    d[Q3] += p * (u - sum);
                }
                else
                {
                    d[Q4] += p * u;
                }
            }
            else
            {
                d[cpuOk ? Q2 : Q1] += p * u;
            }
        }

        if (!categories.IsEmpty)
        {
            d.CopyTo(categories);
        }

        var f = 0.0;
        f += d[Q1];
        f += d[Q2];
        f += d[Q4];
        f += d[XL];
        f += d[XR];
        f += d[NA];
        return f;
    }

    /// <summary>F(N) of a node of <paramref name="cluster"/> in its current state (allocates nothing for up to 256 classes).</summary>
    public double Fragmentation(ClusterState cluster, int node, Span<double> categories)
    {
        var free = cluster.GpuFreeSpan(node);
        var cnt = Count <= 256 ? stackalloc int[Count] : new int[Count];
        var sum = Count <= 256 ? stackalloc int[Count] : new int[Count];
        Stats(free, cnt, sum);
        return Fragmentation(cluster.ModelId[node], cluster.CpuCap[node] - cluster.CpuUsed[node], cluster.GpuFreeTotal[node],
            cnt, sum, [], 0, categories);
    }
}
