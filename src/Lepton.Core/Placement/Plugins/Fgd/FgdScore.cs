using Lepton.Core.Placement.Framework;

namespace Lepton.Core.Placement.Plugins.Fgd;

/// <summary>Fragmentation gradient descent (FGD-SPEC §5): the placement that most decreases expected fragmentation wins.</summary>
internal readonly struct FgdScore(FgdModel model) : IScorePlugin
{
    public FgdModel Model { get; } = model;

    public void Prepare(PlacementContext context, ref readonly TaskDemand task) => Model.BeforeTask();

    public int Score(PlacementContext context, int node, ref readonly TaskDemand task) => Model.Score(node, in task);
}
