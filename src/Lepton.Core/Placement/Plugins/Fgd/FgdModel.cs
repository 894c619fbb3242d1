using Lepton.Core.Cluster;
using Lepton.Core.Placement.Framework;

namespace Lepton.Core.Placement.Plugins.Fgd;

/// <summary>FGD's per-engine state: the compiled target workload, per-node fragmentation statistics and a per-node score cache.</summary>
/// <remarks>
/// <para>Score (FGD-SPEC §5.3): <c>Δ = F(N) − F(N')</c>, <c>score = trunc(100 · sigmoid(Δ/1000))</c>; for a GPU share
/// every GPU that fits is a candidate and the node takes the best. F depends on a node's GPUs only through the
/// multiset of free values, so candidates with equal free milli are evaluated once.</para>
/// <para>Caches: per node, F(N) and the per-class GPU statistics are kept with the node version they were computed at;
/// the score of a (cpu, n, g) task shape is kept in a small direct-mapped table per node, also stamped with the node
/// version. A placement changes one node, so nearly every later lookup hits.</para>
/// <para>A variant (<see cref="ScarcityFgdModel"/>) may change the class weights of <see cref="Compiled"/> between
/// tasks; it then bumps <see cref="Epoch"/>, which is part of every cache stamp, so nothing stale is read.</para>
/// </remarks>
internal class FgdModel
{
    private const int CacheWays = 64;

    private readonly ClusterState _cluster;
    private readonly CompiledTarget _target;
    private readonly int _m;
    private readonly long[] _statsAt;
    private readonly int[] _cntGe;
    private readonly int[] _sumLt;
    private readonly double[] _f0;
    private readonly long[] _cacheAt;
    private readonly int[] _cacheShape;
    private readonly int[] _cacheScore;

    public FgdModel(ClusterState cluster, TargetWorkload target)
    {
        _cluster = cluster;
        _target = new CompiledTarget(target, cluster.Models);
        _m = _target.Count;
        var n = cluster.NodeCount;
        _statsAt = new long[n];
        Array.Fill(_statsAt, -1);
        _cntGe = new int[n * _m];
        _sumLt = new int[n * _m];
        _f0 = new double[n];
        _cacheAt = new long[n * CacheWays];
        Array.Fill(_cacheAt, -1);
        _cacheShape = new int[n * CacheWays];
        _cacheScore = new int[n * CacheWays];
        double cpu = 0, gpu = 0;
        foreach (var t in target.Tasks)
        {
            cpu += (double)t.Count * t.CpuMilli;
            gpu += (double)t.Count * t.GpuCount * t.GpuMilliPerGpu;
        }

        CpuMilliPerGpu = gpu > 0 ? cpu * ClusterState.MilliPerGpu / gpu : 0;
    }

    /// <summary>The target workload's CPU per whole GPU (milli-CPU, CPU-only tasks included): what the free GPUs of a node
    /// will ask of its CPU on average (<c>frugal</c>'s CPU surplus).</summary>
    public double CpuMilliPerGpu { get; }

    /// <summary>The cluster the model scores.</summary>
    protected ClusterState Cluster => _cluster;

    /// <summary>The typical tasks in array form; a variant may rescale <see cref="CompiledTarget.P"/> (then bump <see cref="Epoch"/>).</summary>
    protected CompiledTarget Compiled => _target;

    /// <summary>Generation of the class weights; part of every cache stamp (node versions stay far below 2^40).</summary>
    protected long Epoch { get; set; }

    /// <summary>Called once per task before the scan. FGD's weights are fixed, so it does nothing here.</summary>
    public virtual void BeforeTask()
    {
    }

    /// <summary>The node's FGD score for the task (cached by node version and task shape).</summary>
    public int Score(int node, ref readonly TaskDemand task)
    {
        var version = Stamp(node);
        var slot = node * CacheWays + (task.Shape & (CacheWays - 1));
        if (_cacheAt[slot] == version && _cacheShape[slot] == task.Shape)
        {
            return _cacheScore[slot];
        }

        var score = Compute(node, in task, out _);
        _cacheAt[slot] = version;
        _cacheShape[slot] = task.Shape;
        _cacheScore[slot] = score;
        return score;
    }

    /// <summary>FGD's GPU choice for a GPU share (§5.4): the lowest-index GPU whose candidate gets the node's top score.</summary>
    public int SelectShareGpu(int node, ref readonly TaskDemand task)
    {
        Compute(node, in task, out var bestGpu);
        return bestGpu;
    }

    private int Compute(int node, ref readonly TaskDemand task, out int bestGpu)
    {
        EnsureStats(node);
        var cnt = _cntGe.AsSpan(node * _m, _m);
        var sum = _sumLt.AsSpan(node * _m, _m);
        var f0 = _f0[node];
        var model = _cluster.ModelId[node];
        var cpuLeft = _cluster.CpuCap[node] - _cluster.CpuUsed[node] - task.Cpu;
        var u = _cluster.GpuFreeTotal[node];
        bestGpu = -1;
        if (!task.NeedsGpu)
        {
            return Sigmoid(f0 - _target.Fragmentation(model, cpuLeft, u, cnt, sum, [], 0, []));
        }

        var free = _cluster.GpuFreeSpan(node);
        if (task.IsShare)
        {
            // Candidates in index order; a value seen before has the same score, so only the first is evaluated.
            Span<int> one = stackalloc int[1];
            var best = int.MinValue;
            for (var j = 0; j < free.Length; j++)
            {
                var v = free[j];
                if (v < task.G || free[..j].Contains(v))
                {
                    continue;
                }

                one[0] = v;
                var score = Sigmoid(f0 - _target.Fragmentation(model, cpuLeft, u - task.G, cnt, sum, one, task.G, []));
                if (score > best)
                {
                    best = score;
                    bestGpu = j;
                }
            }

            return best;
        }

        Span<int> from = stackalloc int[task.N];
        var taken = GpuSelector.AscendingFit(free, task.N, task.G, default);
        var k = 0;
        foreach (var j in taken)
        {
            from[k++] = free[j];
        }

        return Sigmoid(f0 - _target.Fragmentation(model, cpuLeft, u - task.TotalGpu, cnt, sum, from[..k], task.G, []));
    }

    private long Stamp(int node) => _cluster.NodeVersions[node] + (Epoch << 40);

    /// <summary>
    /// The least combined cost of placing the task on the node, over its candidate GPUs: the growth of expected
    /// fragmentation in GPUs (unquantised, −Δ/1000) plus the power added over <paramref name="wattsPerGpu"/>
    /// (<c>powerfgd</c>). <paramref name="cpuWatts"/> is what the task's CPU adds, <paramref name="gpuWatts"/> what one
    /// free GPU turning busy adds. <paramref name="bestGpu"/> is the lowest-index GPU of a share at the least cost.
    /// </summary>
    public double PowerFragmentationCost(int node, ref readonly TaskDemand task, double cpuWatts, double gpuWatts, double wattsPerGpu, out int bestGpu)
    {
        EnsureStats(node);
        var cnt = _cntGe.AsSpan(node * _m, _m);
        var sum = _sumLt.AsSpan(node * _m, _m);
        var f0 = _f0[node];
        var model = _cluster.ModelId[node];
        var cpuLeft = _cluster.CpuCap[node] - _cluster.CpuUsed[node] - task.Cpu;
        var u = _cluster.GpuFreeTotal[node];
        bestGpu = -1;
        if (!task.NeedsGpu)
        {
            return ((_target.Fragmentation(model, cpuLeft, u, cnt, sum, [], 0, []) - f0) / 1000) + (cpuWatts / wattsPerGpu);
        }

        var free = _cluster.GpuFreeSpan(node);
        if (task.IsShare)
        {
            Span<int> one = stackalloc int[1];
            var best = double.PositiveInfinity;
            for (var j = 0; j < free.Length; j++)
            {
                var v = free[j];
                if (v < task.G || free[..j].Contains(v))
                {
                    continue;
                }

                one[0] = v;
                var watts = cpuWatts + (v == ClusterState.MilliPerGpu ? gpuWatts : 0);
                var cost = ((_target.Fragmentation(model, cpuLeft, u - task.G, cnt, sum, one, task.G, []) - f0) / 1000) + (watts / wattsPerGpu);
                if (cost < best)
                {
                    best = cost;
                    bestGpu = j;
                }
            }

            return best;
        }

        Span<int> from = stackalloc int[task.N];
        var taken = GpuSelector.AscendingFit(free, task.N, task.G, default);
        var k = 0;
        var newlyBusy = 0;
        foreach (var j in taken)
        {
            newlyBusy += free[j] == ClusterState.MilliPerGpu ? 1 : 0;
            from[k++] = free[j];
        }

        return ((_target.Fragmentation(model, cpuLeft, u - task.TotalGpu, cnt, sum, from[..k], task.G, []) - f0) / 1000)
            + ((cpuWatts + (newlyBusy * gpuWatts)) / wattsPerGpu);
    }

    private void EnsureStats(int node)
    {
        var version = Stamp(node);
        if (_statsAt[node] == version)
        {
            return;
        }

        var cnt = _cntGe.AsSpan(node * _m, _m);
        var sum = _sumLt.AsSpan(node * _m, _m);
        _target.Stats(_cluster.GpuFreeSpan(node), cnt, sum);
        _f0[node] = _target.Fragmentation(_cluster.ModelId[node], _cluster.CpuCap[node] - _cluster.CpuUsed[node],
            _cluster.GpuFreeTotal[node], cnt, sum, [], 0, []);
        _statsAt[node] = version;
    }

    /// <summary><c>trunc(100 · 1/(1 + e^(−Δ/1000)))</c>, exactly as FGD-SPEC §5.3 writes it.</summary>
    internal static int Sigmoid(double delta) => (int)(1.0 / (1.0 + Math.Exp(-(delta / 1000))) * 100.0);
}
