namespace Lepton.Core.Placement.Batch;

/// <summary>The outcome of placing a batch: each task's node and GPUs (null when not placed) and how good the plan is.</summary>
/// <param name="Placements">One entry per task of the problem, in its order; null for a task left pending.</param>
/// <param name="Value">The plan's objective value (<see cref="BatchValues"/>).</param>
/// <param name="Status">Proven optimal, a solver's plan with a gap, or greedy.</param>
/// <param name="Source">What produced the plan: <c>cp-sat</c> or <c>greedy:&lt;policy&gt;</c>.</param>
public sealed record BatchPlan(IReadOnlyList<NodePlacement?> Placements, long Value, BatchPlanStatus Status, string Source)
{
    /// <summary>The best proven upper bound on the objective, when one is known.</summary>
    public double? UpperBound { get; init; }

    /// <summary>Relative gap <c>(bound − value) / bound</c> when a bound is known; 0 when proven optimal.</summary>
    public double? Gap => UpperBound is { } bound ? (bound <= 0 ? 0 : Math.Max(0, (bound - Value) / bound)) : null;

    /// <summary>The best greedy policy's value (the floor the plan never goes below) and its name.</summary>
    public long GreedyValue { get; init; }

    /// <summary>The greedy policy whose plan was the floor (and the solver's warm start).</summary>
    public string GreedyPolicy { get; init; } = "";

    /// <summary>Wall time spent, greedy passes and solver together.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>One line on what happened (e.g. why the solver's plan was not used).</summary>
    public string Note { get; init; } = "";
}
