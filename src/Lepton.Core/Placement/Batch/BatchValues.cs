using Lepton.Core.Cluster;
using Lepton.Core.Workloads;

namespace Lepton.Core.Placement.Batch;

/// <summary>The integer value of placing task t on node n under a <see cref="BatchObjective"/>; a plan's value is the sum
/// over its placed tasks. Greedy plans and the solver are compared with the same numbers.</summary>
/// <remarks>
/// <para>Every objective is lexicographic, built from integer weights so that a solver can use it exactly:</para>
/// <list type="bullet">
/// <item><c>gpu</c>: <c>gpu·(T+1) + 1</c> with T the number of tasks: one more milli-GPU is worth more than every task
/// together, so tasks (CPU-only ones included) only break ties between plans placing the same GPU.</item>
/// <item><c>tasks</c>: <c>(G+1) + gpu</c> with G the batch's total milli-GPU: one more task outweighs any GPU difference.</item>
/// <item><c>priority</c>: <c>w(p)·b(t)</c>, where <c>b(t) = 1 + ⌈gpu/125⌉</c> (GPU in eighths, so bigger tasks are worth
/// more within a level) and the level weight is <c>w(lowest) = 1</c>, <c>w(p) = 1 + Σ over every task q below p of
/// w(q)·b(q)</c>. One task of priority p is then worth more than all less important tasks of the batch together, so no
/// plan can trade a more important task for any number of less important ones. When those weights do not fit in
/// 2^52 (many levels and many tasks) b is dropped (<c>b = 1</c>: priority, then task count); when even that does not
/// fit, construction fails with a message.</item>
/// <item><c>cost</c>: <c>K·(gpu·(T+1) + 1) − c(t, n)</c>, where <c>c</c> is the price of the task's GPU share on node n in
/// thousandths of the price unit per hour and K exceeds the most the whole batch could cost: GPU placed first, then the
/// cheapest GPUs.</item>
/// </list>
/// </remarks>
public sealed class BatchValues
{
    private const long Limit = 1L << 52;
    private readonly long[] _base;
    private readonly long _costScale;
    private readonly long[,]? _cost;

    private BatchValues(BatchObjective objective, long[] values, long costScale, long[,]? cost)
    {
        Objective = objective;
        _base = values;
        _costScale = costScale;
        _cost = cost;
    }

    /// <summary>The objective the values express.</summary>
    public BatchObjective Objective { get; }

    /// <summary>Value of placing task <paramref name="task"/> on node <paramref name="node"/> (positive).</summary>
    public long ValueOf(int task, int node) =>
        _cost is null ? _base[task] : _base[task] * _costScale - _cost[task, node];

    /// <summary>The highest value task <paramref name="task"/> can have on any node.</summary>
    public long MaxValueOf(int task) => _base[task] * (_cost is null ? 1 : _costScale);

    /// <summary>Value of a plan: the sum over placed tasks.</summary>
    public long ValueOf(IReadOnlyList<NodePlacement?> placements)
    {
        ArgumentNullException.ThrowIfNull(placements);
        long sum = 0;
        for (var t = 0; t < placements.Count; t++)
        {
            if (placements[t] is { } p)
            {
                sum += ValueOf(t, p.Node);
            }
        }

        return sum;
    }

    /// <summary>The values for <paramref name="tasks"/> on <paramref name="cluster"/>.</summary>
    /// <exception cref="ArgumentException">The priority weights cannot be represented exactly.</exception>
    public static BatchValues For(ClusterState cluster, IReadOnlyList<TaskRequest> tasks, BatchObjective objective)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(tasks);
        var n = tasks.Count;
        var gpu = new long[n];
        long totalGpu = 0;
        for (var t = 0; t < n; t++)
        {
            var g = ClusterState.EffectiveGpuMilli(tasks[t]);
            gpu[t] = g == 0 ? 0 : (long)g * tasks[t].GpuCount;
            totalGpu += gpu[t];
        }

        var values = new long[n];
        switch (objective)
        {
            case BatchObjective.Gpu:
            case BatchObjective.Cost:
                for (var t = 0; t < n; t++)
                {
                    values[t] = gpu[t] * (n + 1L) + 1;
                }

                break;
            case BatchObjective.Tasks:
                for (var t = 0; t < n; t++)
                {
                    values[t] = totalGpu + 1 + gpu[t];
                }

                break;
            case BatchObjective.Priority:
                if (!TryPriority(tasks, gpu, withGpu: true, values) && !TryPriority(tasks, gpu, withGpu: false, values))
                {
                    throw new ArgumentException(
                        $"the batch has too many tasks across too many priority levels for exact priority weights ({n} tasks); use --objective gpu or tasks, or a smaller batch",
                        nameof(tasks));
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(objective), objective, "unknown objective");
        }

        if (objective != BatchObjective.Cost)
        {
            return new BatchValues(objective, values, 1, null);
        }

        var cost = new long[n, cluster.NodeCount];
        long maxTotal = 0;
        for (var t = 0; t < n; t++)
        {
            long worst = 0;
            for (var i = 0; i < cluster.NodeCount; i++)
            {
                var node = cluster.NodeAt(i);
                var perGpu = node.GpuCount > 0 && double.IsFinite(node.PricePerHour) && node.PricePerHour > 0 ? node.PricePerHour / node.GpuCount : 0;
                // Price of the GPU share in thousandths of the unit per hour (gpu is in milli-GPU).
                var c = (long)Math.Round(Math.Min(perGpu, 1e6) * gpu[t]);
                cost[t, i] = c;
                worst = Math.Max(worst, c);
            }

            maxTotal += worst;
        }

        var scale = maxTotal + 1;
        long top = 0;
        foreach (var v in values)
        {
            if (v > Limit / scale || top > Limit - v * scale)
            {
                throw new ArgumentException("the batch is too large for exact cost weights; use --objective gpu", nameof(tasks));
            }

            top += v * scale;
        }

        return new BatchValues(objective, values, scale, cost);
    }

    private static bool TryPriority(IReadOnlyList<TaskRequest> tasks, long[] gpu, bool withGpu, long[] values)
    {
        var levels = tasks.Select(t => t.Priority).Distinct().Order().ToArray();
        long below = 0; // Σ w(q)·b(q) over tasks of the levels done so far
        foreach (var level in levels)
        {
            var weight = below + 1;
            for (var t = 0; t < tasks.Count; t++)
            {
                if (tasks[t].Priority != level)
                {
                    continue;
                }

                var b = withGpu ? 1 + (gpu[t] + 124) / 125 : 1;
                if (weight > Limit / b)
                {
                    return false;
                }

                values[t] = weight * b;
                below += values[t];
                if (below > Limit)
                {
                    return false;
                }
            }
        }

        return true;
    }
}
