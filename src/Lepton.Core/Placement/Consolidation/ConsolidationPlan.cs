namespace Lepton.Core.Placement.Consolidation;

/// <summary>A consolidation plan: the moves, and the whole GPUs and whole nodes free before and after them.</summary>
/// <param name="Moves">The tasks to move, in the order they are applied.</param>
/// <param name="FreeGpusBefore">Fully free GPUs on Ready nodes now.</param>
/// <param name="FreeGpusAfter">Fully free GPUs on Ready nodes after the moves.</param>
/// <param name="FreeNodesBefore">Ready nodes running nothing now.</param>
/// <param name="FreeNodesAfter">Ready nodes running nothing after the moves.</param>
/// <param name="Source">What produced it (<c>greedy</c> or <c>cp-sat</c>).</param>
public sealed record ConsolidationPlan(IReadOnlyList<ConsolidationMove> Moves, int FreeGpusBefore, int FreeGpusAfter,
    int FreeNodesBefore, int FreeNodesAfter, string Source)
{
    /// <summary>Whether the plan is proven best (most freed, then fewest moves, within the model) or a heuristic one.</summary>
    public bool Optimal { get; init; }

    /// <summary>One line on how it was found.</summary>
    public string Note { get; init; } = "";
}
