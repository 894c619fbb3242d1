using Lepton.Core.Placement.Framework;

namespace Lepton.Core.Placement.Plugins.FirstFit;

/// <summary>Every node scores the same, so the tie-break (node order for <c>firstfit</c>) picks the first feasible node.</summary>
internal readonly struct FirstFitScore : IScorePlugin
{
    public void Prepare(PlacementContext context, ref readonly TaskDemand task)
    {
    }

    public int Score(PlacementContext context, int node, ref readonly TaskDemand task) => 0;
}
