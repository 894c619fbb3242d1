using Lepton.Core.Cluster;
using Lepton.Core.Placement.Framework;
using Lepton.Core.Placement.Plugins.Fgd;
using Lepton.Core.Power;

namespace Lepton.Core.Placement.Plugins.Power;

/// <summary>
/// The scan of <c>frugal</c>: the least power increase among the nodes whose FGD score is within a load-dependent slack of
/// the best, and CPU-only tasks on the nodes with the most CPU to spare (see <see cref="FrugalRule"/> for the rule and why).
/// </summary>
/// <remarks>
/// <para>One pass records each feasible node's tier, power increase (PWR's delta, PWR-SPEC §2.1) and FGD score (or, for a
/// CPU-only task, its CPU surplus); the choice then runs over these arrays. Nothing is allocated per task.</para>
/// <para>With node classes only each class's representative is evaluated, as in <see cref="PowerPipeline"/>: members of a
/// class have equal power deltas, FGD scores and surpluses, and the representative wins their ties.</para>
/// </remarks>
internal sealed class FrugalPipeline : PlacementPipeline, ICandidateSink
{
    private readonly ClusterPower _power;
    private readonly FgdModel _fgd;
    private readonly FrugalRule _rule;
    private readonly int[] _node;
    private readonly int[] _tier;
    private readonly double[] _watts;
    private readonly int[] _score;
    private readonly double[] _surplus;
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
        return Choose(context, in task);
    }

    /// <summary>1 for the node the rule chooses, 0 for every other feasible node (the rule is lexicographic, not a sum).</summary>
    public override int? ScoreNode(PlacementContext context, int node, ref readonly TaskDemand task)
    {
        Collect(context, in task, everyNode: true);
        var chosen = Choose(context, in task);
        for (var k = 0; k < _count; k++)
        {
            if (_node[k] == node)
            {
                return node == chosen ? 1 : 0;
            }
        }

        return null;
    }

    private int Choose(PlacementContext context, ref readonly TaskDemand task)
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

        // A GPU task's bar is the best FGD score less the slack; a CPU-only task's is the best surplus less its band.
        var top = double.NegativeInfinity;
        var cpuOnly = !task.NeedsGpu;
        for (var k = 0; k < _count; k++)
        {
            if (_tier[k] == topTier)
            {
                top = Math.Max(top, cpuOnly ? _surplus[k] : _score[k]);
            }
        }

        var bar = top - (cpuOnly ? _rule.CpuBandMilli : _rule.Slack(AllocatedShare(context.Cluster)));
        int best = -1, bestRank = int.MaxValue;
        double bestWatts = double.PositiveInfinity, bestMerit = double.NegativeInfinity;
        for (var k = 0; k < _count; k++)
        {
            var merit = cpuOnly ? _surplus[k] : _score[k];
            if (_tier[k] != topTier || merit < bar)
            {
                continue;
            }

            var rank = context.Ranks[_node[k]];
            var w = _watts[k];
            if (w < bestWatts || (w == bestWatts && (merit > bestMerit || (merit == bestMerit && rank < bestRank))))
            {
                (best, bestRank, bestWatts, bestMerit) = (_node[k], rank, w, merit);
            }
        }

        return best;
    }

    /// <summary>The share of the cluster's GPU milli allocated now (what a live scheduler knows; no arrival count needed).</summary>
    internal static double AllocatedShare(ClusterState c)
    {
        long free = 0, capacity = 0;
        for (var i = 0; i < c.NodeCount; i++)
        {
            free += c.GpuFreeTotal[i];
            capacity += c.GpuCount[i];
        }

        return capacity == 0 ? 0 : 1 - (free / (capacity * (double)ClusterState.MilliPerGpu));
    }

    private void Collect(PlacementContext context, ref readonly TaskDemand task, bool everyNode)
    {
        _count = 0;
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
        _watts[_count] = -PwrScore.Raw(_power, node, in task);
        if (task.NeedsGpu)
        {
            _score[_count] = _fgd.Score(node, in task);
        }
        else
        {
            _surplus[_count] = FrugalRule.CpuSurplus(c.CpuCap[node] - c.CpuUsed[node] - task.Cpu, c.GpuFreeTotal[node], _fgd.CpuMilliPerGpu);
        }

        _count++;
    }
}
