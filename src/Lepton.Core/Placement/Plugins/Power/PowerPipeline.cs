using Lepton.Core.Placement.Framework;
using Lepton.Core.Placement.Plugins.Fgd;
using Lepton.Core.Power;

namespace Lepton.Core.Placement.Plugins.Power;

/// <summary>The scan of the PWR policies: PWR's per-decision min–max normalisation needs every feasible node's raw score
/// before any node's total is known, so the scan has two passes (PWR-SPEC §2.2–2.3).</summary>
/// <remarks>
/// <para>Pass one runs the standard filters and records each feasible node's tier, raw PWR score and, when FGD has a
/// weight, its FGD score; pass two normalises, weights and keeps the best by (tier, total, rank). The min and max run
/// over every feasible node, as Kubernetes' NormalizeScore does, whatever its tier.</para>
/// <para>With node classes only each class's representative is evaluated; that is exact because members of a class
/// have equal raw scores (the min and max are unchanged) and the representative wins their ties. Classes are only
/// used when power follows node shape (<see cref="ClusterPower.UniformByShape"/>), since classes ignore power overrides.</para>
/// </remarks>
internal sealed class PowerPipeline : PlacementPipeline, ICandidateSink
{
    private readonly ClusterPower _power;
    private readonly FgdModel? _fgd;
    private readonly PowerMix _mix;
    private readonly int[] _node;
    private readonly int[] _tier;
    private readonly long[] _raw;
    private readonly int[] _fgdScore;
    private readonly double[] _cost;
    private double _watts;
    private int _count;

    public PowerPipeline(PlacementContext context, FgdModel? fgd, PowerMix mix)
    {
        _power = new ClusterPower(context.Cluster, context.PowerModel);
        _fgd = fgd;
        _mix = mix;
        var n = context.Cluster.NodeCount;
        _node = new int[n];
        _tier = new int[n];
        _raw = new long[n];
        _fgdScore = new int[n];
        _cost = new double[n];
        context.Power = _power;
        context.PowerWattsPerGpu = mix.WattsPerGpu;
    }

    public override int SelectNode(PlacementContext context, ref readonly TaskDemand task)
    {
        Collect(context, in task);
        if (_count == 0)
        {
            return -1;
        }

        if (_mix.WattsPerGpu > 0)
        {
            return LeastCost(context);
        }

        var (mn, mx) = MinMax();
        int best = -1, bestTier = -1, bestRank = int.MaxValue;
        var bestTotal = long.MinValue;
        for (var k = 0; k < _count; k++)
        {
            var total = Total(k, mn, mx);
            var rank = context.Ranks[_node[k]];
            if (_tier[k] > bestTier || (_tier[k] == bestTier && (total > bestTotal || (total == bestTotal && rank < bestRank))))
            {
                (best, bestTier, bestTotal, bestRank) = (_node[k], _tier[k], total, rank);
            }
        }

        return best;
    }

    private int LeastCost(PlacementContext context)
    {
        int best = -1, bestTier = -1, bestRank = int.MaxValue;
        var bestCost = double.PositiveInfinity;
        for (var k = 0; k < _count; k++)
        {
            var rank = context.Ranks[_node[k]];
            if (_tier[k] > bestTier || (_tier[k] == bestTier && (_cost[k] < bestCost || (_cost[k] == bestCost && rank < bestRank))))
            {
                (best, bestTier, bestCost, bestRank) = (_node[k], _tier[k], _cost[k], rank);
            }
        }

        return best;
    }

    /// <summary><c>powerfgd</c>'s cost of the task on the node, and the share's GPU at that cost.</summary>
    public static double Cost(ClusterPower power, FgdModel fgd, double wattsPerGpu, int node, ref readonly TaskDemand task, out int bestGpu) =>
        fgd.PowerFragmentationCost(node, in task, power.PlacementDelta(node, task.Cpu, 0), power.PlacementDelta(node, 0, 1), wattsPerGpu, out bestGpu);

    public override int? ScoreNode(PlacementContext context, int node, ref readonly TaskDemand task)
    {
        Collect(context, in task, everyNode: true);
        if (_mix.WattsPerGpu > 0)
        {
            for (var k = 0; k < _count; k++)
            {
                if (_node[k] == node)
                {
                    // Least cost wins; the score is minus the cost in milli-units.
                    return (int)Math.Clamp(Math.Round(-_cost[k] * 1000), int.MinValue, int.MaxValue);
                }
            }

            return null;
        }

        var (mn, mx) = MinMax();
        for (var k = 0; k < _count; k++)
        {
            if (_node[k] == node)
            {
                return (int)Math.Clamp(Total(k, mn, mx), int.MinValue, int.MaxValue);
            }
        }

        return null;
    }

    /// <summary>PWR's own GPU for a share on <paramref name="node"/> (used when the policy's GPU rule is PWR's).</summary>
    public static int SelectShareGpu(PlacementContext context, int node, ref readonly TaskDemand task) =>
        PwrScore.SelectShareGpu(context.Cluster.GpuFreeSpan(node), task.G);

    private long Total(int k, long mn, long mx) =>
        PwrScore.Combine(_mix.PwrWeight, PwrScore.Normalise(_raw[k], mn, mx), _mix.FgdWeight, _fgdScore[k]);

    private (long Min, long Max) MinMax()
    {
        long mn = long.MaxValue, mx = long.MinValue;
        for (var k = 0; k < _count; k++)
        {
            mn = Math.Min(mn, _raw[k]);
            mx = Math.Max(mx, _raw[k]);
        }

        return (mn, mx);
    }

    /// <summary>The watts per GPU of fragmentation for this decision: the mix's, or (past <see cref="PowerMix.FullAt"/>) so many
    /// that power only breaks ties.</summary>
    private double EffectiveWattsPerGpu(PlacementContext context)
    {
        if (_mix.FullAt >= 1)
        {
            return _mix.WattsPerGpu;
        }

        var c = context.Cluster;
        long free = 0, capacity = 0;
        for (var i = 0; i < c.NodeCount; i++)
        {
            free += c.GpuFreeTotal[i];
            capacity += c.GpuCount[i];
        }

        var used = capacity == 0 ? 0 : 1 - (free / (capacity * 1000.0));
        return used < _mix.FullAt ? _mix.WattsPerGpu : 1e9;
    }

    private void Collect(PlacementContext context, ref readonly TaskDemand task, bool everyNode = false)
    {
        _count = 0;
        _watts = _mix.WattsPerGpu > 0 ? EffectiveWattsPerGpu(context) : 0;
        context.PowerWattsPerGpu = _watts;
        CandidateNodes.Visit(this, context, in task, everyNode, _power.UniformByShape);
    }

    /// <inheritdoc/>
    public void Offer(PlacementContext context, int node, ref readonly TaskDemand task)
    {
        var filter = default(StandardFilters);
        if (!filter.Passes(context, node, in task))
        {
            return;
        }

        var c = context.Cluster;
        _node[_count] = node;
        // Same tiers as the other policies: CPU-only tasks stay off GPU nodes, tasks without FPGA off FPGA nodes, when they can.
        _tier[_count] = Tier(c, node, in task);
        if (_mix.WattsPerGpu > 0 && _fgd is not null)
        {
            _cost[_count] = Cost(_power, _fgd, _watts, node, in task, out _);
            _count++;
            return;
        }

        _raw[_count] = PwrScore.Raw(_power, node, in task, _mix.Parts);
        _fgdScore[_count] = _mix.FgdWeight != 0 && _fgd is not null ? _fgd.Score(node, in task) : 0;
        _count++;
    }
}
