using Lepton.Core.Placement.Framework;
using Lepton.Core.Placement.Plugins.Fgd;
using Lepton.Core.Power;

namespace Lepton.Core.Placement.Plugins.Power;

/// <summary>Experimental scan: FGD and power combined lexicographically with a load-dependent band (work in progress).</summary>
internal sealed class FrugalPipeline : PlacementPipeline
{
    private readonly ClusterPower _power;
    private readonly FgdModel _fgd;
    private readonly FrugalRule _rule;
    private readonly int[] _node;
    private readonly int[] _tier;
    private readonly double[] _watts;
    private readonly int[] _score;
    private readonly double[] _surplus;
    private bool _cpuOnly;
    private int _count;

    public FrugalPipeline(PlacementContext context, FgdModel fgd, FrugalRule rule)
    {
        _power = new ClusterPower(context.Cluster, context.PowerModel);
        _fgd = fgd;
        _rule = rule;
        var n = context.Cluster.NodeCount;
        _node = new int[n];
        _tier = new int[n];
        _watts = new double[n];
        _score = new int[n];
        _surplus = new double[n];
        context.Power = _power;
    }

    public override int SelectNode(PlacementContext context, ref readonly TaskDemand task)
    {
        Collect(context, in task, everyNode: false);
        return Choose(context, AllocatedShare(context));
    }

    public override int? ScoreNode(PlacementContext context, int node, ref readonly TaskDemand task)
    {
        Collect(context, in task, everyNode: true);
        var chosen = Choose(context, AllocatedShare(context));
        for (var k = 0; k < _count; k++)
        {
            if (_node[k] == node)
            {
                return node == chosen ? 1 : 0;
            }
        }

        return null;
    }

    private int Choose(PlacementContext context, double used)
    {
        if (_count == 0)
        {
            return -1;
        }

        var topTier = -1;
        for (var k = 0; k < _count; k++)
        {
            topTier = Math.Max(topTier, _tier[k]);
        }

        double minWatts = double.PositiveInfinity;
        var maxScore = int.MinValue;
        for (var k = 0; k < _count; k++)
        {
            if (_tier[k] == topTier)
            {
                minWatts = Math.Min(minWatts, _watts[k]);
                maxScore = Math.Max(maxScore, _score[k]);
            }
        }

        var band = _rule.Band(used);
        if (_cpuOnly && _rule.CpuMode > 0)
        {
            return ChooseCpuOnly(context, topTier, maxScore);
        }

        int best = -1, bestRank = int.MaxValue, bestScore = int.MinValue;
        var bestWatts = double.PositiveInfinity;
        for (var k = 0; k < _count; k++)
        {
            if (_tier[k] != topTier)
            {
                continue;
            }

            var rank = context.Ranks[_node[k]];
            var w = _watts[k];
            var s = _score[k];
            bool better;
            if (band < 0)
            {
                better = s > bestScore || (s == bestScore && rank < bestRank);
            }
            else if (_rule.Mode == FrugalMode.PowerBand)
            {
                if (w > minWatts + band)
                {
                    continue;
                }

                better = s > bestScore || (s == bestScore && (w < bestWatts || (w == bestWatts && rank < bestRank)));
            }
            else
            {
                if (s < maxScore - band)
                {
                    continue;
                }

                better = w < bestWatts || (w == bestWatts && (s > bestScore || (s == bestScore && rank < bestRank)));
            }

            if (better)
            {
                (best, bestRank, bestScore, bestWatts) = (_node[k], rank, s, w);
            }
        }

        return best;
    }

    private int ChooseCpuOnly(PlacementContext context, int topTier, int maxScore)
    {
        int best = -1, bestRank = int.MaxValue;
        double bestSurplus = double.NegativeInfinity, bestWatts = double.PositiveInfinity;
        if (_rule.CpuMode == 3)
        {
            var top = double.NegativeInfinity;
            for (var k = 0; k < _count; k++)
            {
                if (_tier[k] == topTier)
                {
                    top = Math.Max(top, _surplus[k]);
                }
            }

            for (var k = 0; k < _count; k++)
            {
                if (_tier[k] != topTier || _surplus[k] < top - _rule.CpuBand)
                {
                    continue;
                }

                var rank = context.Ranks[_node[k]];
                var u = _surplus[k];
                var w = _watts[k];
                if (w < bestWatts || (w == bestWatts && (u > bestSurplus || (u == bestSurplus && rank < bestRank))))
                {
                    (best, bestRank, bestSurplus, bestWatts) = (_node[k], rank, u, w);
                }
            }

            return best;
        }

        for (var k = 0; k < _count; k++)
        {
            if (_tier[k] != topTier || (_rule.CpuMode == 1 && _score[k] < maxScore))
            {
                continue;
            }

            var rank = context.Ranks[_node[k]];
            var u = _surplus[k];
            var w = _watts[k];
            if (u > bestSurplus || (u == bestSurplus && (w < bestWatts || (w == bestWatts && rank < bestRank))))
            {
                (best, bestRank, bestSurplus, bestWatts) = (_node[k], rank, u, w);
            }
        }

        return best;
    }

    /// <summary>The share of the cluster's GPU milli allocated now (what a live scheduler knows).</summary>
    private static double AllocatedShare(PlacementContext context)
    {
        var c = context.Cluster;
        long free = 0, capacity = 0;
        for (var i = 0; i < c.NodeCount; i++)
        {
            free += c.GpuFreeTotal[i];
            capacity += c.GpuCount[i];
        }

        return capacity == 0 ? 0 : 1 - (free / (capacity * 1000.0));
    }

    private void Collect(PlacementContext context, ref readonly TaskDemand task, bool everyNode)
    {
        _count = 0;
        _cpuOnly = !task.NeedsGpu;
        var classes = context.Classes;
        if (everyNode || classes is null || !_power.UniformByShape
            || (task.MaxPerNode > 0 && context.Cluster.AnyNodeAtLimit(task.Group, task.MaxPerNode)))
        {
            for (var i = 0; i < context.Cluster.NodeCount; i++)
            {
                Offer(context, i, in task);
            }

            return;
        }

        classes.Sync();
        var cpuOnly = !task.NeedsGpu;
        var active = cpuOnly ? classes.Active : classes.WithFreeGpu;
        var count = cpuOnly ? classes.ActiveCount : classes.WithFreeGpuCount;
        for (var a = 0; a < count; a++)
        {
            Offer(context, classes.Representative(active[a]), in task);
        }
    }

    private void Offer(PlacementContext context, int node, ref readonly TaskDemand task)
    {
        var filter = default(StandardFilters);
        if (!filter.Passes(context, node, in task))
        {
            return;
        }

        var c = context.Cluster;
        _node[_count] = node;
        _tier[_count] = (!task.NeedsGpu && c.GpuCount[node] > 0 ? 0 : 2) + (task.Fpga == 0 && c.FpgaCap[node] > 0 ? 0 : 1);
        var busy = PwrScore.NewlyBusyGpus(c.GpuFreeSpan(node), in task);
        var gpuW = busy == 0 ? 0 : _power.PlacementDelta(node, 0, busy);
        if (_rule.Floor > 0 && busy > 0)
        {
            gpuW = Math.Max(gpuW, _rule.Floor * busy);
        }

        var kind = !task.NeedsGpu ? PowerParts.CpuTasks : task.IsShare ? PowerParts.ShareTasks : PowerParts.WholeTasks;
        _watts[_count] = (_rule.Parts & kind) == 0 ? 0
            : ((_rule.Parts & PowerParts.Cpu) != 0 ? _power.PlacementDelta(node, task.Cpu, 0) : 0) + ((_rule.Parts & PowerParts.GpuModel) != 0 ? gpuW : 0);
        _score[_count] = _fgd.Score(node, in task);
        _surplus[_count] = (c.CpuCap[node] - c.CpuUsed[node] - task.Cpu) - (c.GpuFreeTotal[node] * _rule.CpuPerGpu / 1000.0);
        _count++;
    }
}

/// <summary>Which term bounds the other in <see cref="FrugalPipeline"/>.</summary>
internal enum FrugalMode
{
    /// <summary>Nodes within a power band of the least power increase; FGD decides among them.</summary>
    PowerBand,

    /// <summary>Nodes within an FGD-score band of the best; the least power increase decides among them.</summary>
    FgdBand,
}

/// <summary>The band: <paramref name="From"/> while the allocated share is below <paramref name="Start"/>, then linearly to
/// <paramref name="To"/> at <paramref name="End"/>.</summary>
internal readonly record struct FrugalRule(FrugalMode Mode, double From, double Start, double To, double End, PowerParts Parts = PowerParts.All, double Floor = 0, int CpuMode = 0, double CpuPerGpu = 14000, double CpuBand = 0)
{
    public double Band(double used) =>
        used <= Start ? From : used >= End ? To : From + ((To - From) * (used - Start) / (End - Start));
}
