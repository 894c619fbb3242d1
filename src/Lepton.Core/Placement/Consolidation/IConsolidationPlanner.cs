namespace Lepton.Core.Placement.Consolidation;

/// <summary>Finds moves of preemptible tasks that free the most whole GPUs (or nodes) with the fewest moves, within a cap.</summary>
public interface IConsolidationPlanner
{
    /// <summary>Plans <paramref name="request"/>; the cluster is left as it was found.</summary>
    ConsolidationPlan Plan(ConsolidationRequest request);
}
