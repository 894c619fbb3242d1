namespace Lepton.Core.Placement.Batch;

/// <summary>Places a whole batch of tasks at once (as opposed to a policy's one task at a time).</summary>
/// <remarks>Implementations leave <see cref="BatchProblem.Cluster"/> as they found it; the caller commits the plan.
/// <see cref="GreedyBatchPlacer"/> is Core's; an optimising one (CP-SAT) lives outside Core so that nothing here
/// depends on a solver.</remarks>
public interface IBatchPlacer
{
    /// <summary>Name for output, e.g. <c>milp</c>.</summary>
    string Name { get; }

    /// <summary>Plans <paramref name="problem"/>.</summary>
    BatchPlan Place(BatchProblem problem);
}
