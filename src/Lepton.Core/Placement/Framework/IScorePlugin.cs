namespace Lepton.Core.Placement.Framework;

/// <summary>Ranks a feasible node for a task with an integer score (higher is better); built-ins are structs.</summary>
internal interface IScorePlugin
{
    /// <summary>Called once per task before the scan (e.g. to refresh caches).</summary>
    void Prepare(PlacementContext context, ref readonly TaskDemand task);

    /// <summary>The node's integer score for the task; only called for nodes that passed every filter.</summary>
    int Score(PlacementContext context, int node, ref readonly TaskDemand task);
}
