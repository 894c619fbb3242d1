using Lepton.Core.Placement.Framework;
using Lepton.Core.Placement.Plugins.BestFit;

namespace Lepton.Core.Placement.Plugins.Heterogeneity;

/// <summary>Cost-aware heterogeneity: prefers the node where the task gets the most throughput per unit of price
/// (throughput on the node's GPU model over the node's price per GPU-hour), then best fit.</summary>
/// <remarks>
/// The ratio is normalised by the best ratio any model offers (each model at its cheapest price), so the first term
/// is 0..1000 like <see cref="ThroughputScore"/>'s. A node without a price counts as costing what the cheapest priced
/// node of its model costs; when no node is priced the score is plain throughput, i.e. the <c>gavel</c> policy.
/// </remarks>
internal readonly struct ThroughputPerPriceScore : IScorePlugin
{
    public void Prepare(PlacementContext context, ref readonly TaskDemand task)
    {
    }

    public int Score(PlacementContext context, int node, ref readonly TaskDemand task)
    {
        var fit = default(BestFitScore).Score(context, node, in task);
        if (!task.HasThroughput || !task.NeedsGpu || context.BestThroughput <= 0)
        {
            return fit;
        }

        var c = context.Cluster;
        var model = c.ModelId[node];
        if (model < 0)
        {
            return fit;
        }

        var best = 0.0;
        var modelPrices = c.ModelPricePerGpu;
        var anyPrice = false;
        for (var m = 0; m < modelPrices.Length; m++)
        {
            if (modelPrices[m] > 0)
            {
                anyPrice = true;
                best = Math.Max(best, context.ModelThroughput[m] / modelPrices[m]);
            }
        }

        if (!anyPrice || best <= 0)
        {
            return (int)Math.Round(context.ModelThroughput[model] / context.BestThroughput * 1000) * ThroughputScore.ModelWeight + fit;
        }

        var price = c.PricePerGpu[node] > 0 ? c.PricePerGpu[node] : modelPrices[model];
        var ratio = price > 0 ? context.ModelThroughput[model] / price / best : 0;
        return (int)Math.Round(Math.Min(ratio, 1) * 1000) * ThroughputScore.ModelWeight + fit;
    }
}
