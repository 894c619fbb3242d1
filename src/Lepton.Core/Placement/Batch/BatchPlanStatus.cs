namespace Lepton.Core.Placement.Batch;

/// <summary>How good a <see cref="BatchPlan"/> is known to be.</summary>
public enum BatchPlanStatus
{
    /// <summary>Proven optimal for the objective.</summary>
    Optimal,

    /// <summary>A solver's best plan within the time limit; <see cref="BatchPlan.Gap"/> says how far from optimal it may be.</summary>
    Feasible,

    /// <summary>The best greedy policy's plan (the solver found nothing better, or did not run).</summary>
    Greedy,
}
