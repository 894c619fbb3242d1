using Lepton.Core.Cluster;
using Lepton.Core.Workloads;

namespace Lepton.Core.Placement.Batch;

/// <summary>Embeddable batch placement: like <see cref="Scheduler"/>, but every task is placed at once by an
/// <see cref="IBatchPlacer"/>, and the result says how good the plan is.</summary>
public static class BatchScheduler
{
    /// <summary>Places <paramref name="tasks"/> on empty <paramref name="nodes"/> with <paramref name="placer"/>.</summary>
    /// <returns>Each task's node and GPUs or pending reason (input order), and the plan with its status.</returns>
    public static (PlacementResult Result, BatchPlan Plan) Schedule(IBatchPlacer placer, IReadOnlyList<NodeSpec> nodes,
        IReadOnlyList<TaskRequest> tasks, BatchObjective objective, TimeSpan timeLimit, PlacementOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(placer);
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(tasks);
        var cluster = new ClusterState(nodes);
        var problem = new BatchProblem(cluster, tasks)
        {
            Objective = objective,
            TimeLimit = timeLimit,
            Options = options ?? new PlacementOptions(),
        };
        var plan = placer.Place(problem);
        return (Commit(cluster, tasks, plan, placer.Name), plan);
    }

    /// <summary>Allocates <paramref name="plan"/> on <paramref name="cluster"/> and explains every task left pending.</summary>
    public static PlacementResult Commit(ClusterState cluster, IReadOnlyList<TaskRequest> tasks, BatchPlan plan, string policyName)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(tasks);
        ArgumentNullException.ThrowIfNull(plan);
        for (var t = 0; t < tasks.Count; t++)
        {
            if (plan.Placements[t] is { } p)
            {
                cluster.Allocate(p.Node, tasks[t], p.Gpus);
            }
        }

        // Reasons are read from the cluster after the plan: which constraint rules out how many nodes now.
        var explainer = new PlacementEngine(cluster, PolicyRegistry.Get("firstfit"));
        var results = new TaskPlacement[tasks.Count];
        for (var t = 0; t < tasks.Count; t++)
        {
            if (plan.Placements[t] is { } p)
            {
                results[t] = new TaskPlacement(tasks[t], cluster.NodeAt(p.Node).Name, p.Gpus.ToArray(), null);
                continue;
            }

            var reason = explainer.Explain(tasks[t]);
            if (reason.Code == "Schedulable")
            {
                reason = new PendingReason("NotChosen",
                    tasks[t].Gang is { } gang
                        ? $"gang '{gang}' is placed all or nothing and does not fit whole beside the more valuable tasks of the batch"
                        : $"left out of the batch plan: {reason.Message}, but placing it is worth no more than what the plan holds (objective, quota or gang)",
                    reason.Rejections);
            }

            results[t] = new TaskPlacement(tasks[t], null, [], reason);
        }

        var capacity = cluster.TotalCapacity;
        var allocated = cluster.TotalAllocated;
        var summary = new PlacementSummary(tasks.Count, results.Count(r => r.IsPlaced),
            Pct(allocated.GpuMilli, capacity.GpuMilli), Pct(allocated.CpuMilli, capacity.CpuMilli), Pct(allocated.MemoryMiB, capacity.MemoryMiB));
        return new PlacementResult(policyName, results, summary);
    }

    /// <summary>Parses an objective name (<c>priority</c>, <c>gpu</c>, <c>tasks</c>, <c>cost</c>), case-insensitive.</summary>
    public static bool TryParseObjective(string? text, out BatchObjective objective) =>
        Enum.TryParse(text?.Trim(), ignoreCase: true, out objective) && Enum.IsDefined(objective) && !int.TryParse(text, out _);

    private static double Pct(long part, long whole) => whole == 0 ? 0 : 100.0 * part / whole;
}
