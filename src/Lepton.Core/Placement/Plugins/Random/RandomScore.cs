using Lepton.Core.Placement.Framework;

namespace Lepton.Core.Placement.Plugins.Random;

/// <summary>Random (FGD-SPEC §4.1): a uniformly random feasible node, from the run's seeded generator.</summary>
/// <remarks>Each feasible node draws an independent uniform score; the maximum of i.i.d. draws is uniform over the
/// feasible nodes (ties, about one in 2^31, go to the lowest rank).</remarks>
internal readonly struct RandomScore : IScorePlugin
{
    public void Prepare(PlacementContext context, ref readonly TaskDemand task)
    {
    }

    public int Score(PlacementContext context, int node, ref readonly TaskDemand task) => context.Random.Next();
}
