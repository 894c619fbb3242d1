using System.Diagnostics;
using Lepton.Core.Resources;
using Lepton.Core.Workloads;

namespace Lepton.Core.Placement.Batch;

/// <summary>Places a batch with each of several greedy policies and keeps the plan of highest <see cref="BatchValues"/> value.</summary>
/// <remarks>Each pass places tasks as the <see cref="Scheduler"/> does (priority descending, input order among equals;
/// a gang all or nothing when its first member comes up) and skips a task or gang that would pass a quota. The cluster
/// is changed during a pass and restored after it. This is the floor an optimising placer must never fall below, and its
/// warm start.</remarks>
public sealed class GreedyBatchPlacer : IBatchPlacer
{
    /// <summary>The policies tried by default: every built-in one but <c>random</c>.</summary>
    public static IReadOnlyList<string> DefaultPolicies { get; } = [.. PolicyRegistry.Names.Where(n => n != "random")];

    private readonly IReadOnlyList<string> _policies;

    /// <summary>A placer trying <paramref name="policies"/> (default <see cref="DefaultPolicies"/>).</summary>
    public GreedyBatchPlacer(IReadOnlyList<string>? policies = null)
    {
        _policies = policies ?? DefaultPolicies;
        foreach (var name in _policies)
        {
            PolicyRegistry.Get(name);
        }
    }

    /// <inheritdoc/>
    public string Name => "greedy";

    /// <inheritdoc/>
    public BatchPlan Place(BatchProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var stopwatch = Stopwatch.StartNew();
        var values = BatchValues.For(problem.Cluster, problem.Tasks, problem.Objective);
        return Place(problem, values) with { Elapsed = stopwatch.Elapsed };
    }

    /// <summary>The best greedy plan under precomputed <paramref name="values"/>.</summary>
    public BatchPlan Place(BatchProblem problem, BatchValues values)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(values);
        BatchPlan? best = null;
        foreach (var name in _policies)
        {
            var placements = Run(problem, PolicyRegistry.Get(name));
            var value = values.ValueOf(placements);
            if (best is null || value > best.Value)
            {
                best = new BatchPlan(placements, value, BatchPlanStatus.Greedy, "greedy:" + name) { GreedyValue = value, GreedyPolicy = name };
            }
        }

        return best ?? new BatchPlan(new NodePlacement?[problem.Tasks.Count], 0, BatchPlanStatus.Greedy, "greedy");
    }

    /// <summary>One greedy pass with <paramref name="policy"/>; the cluster is restored afterwards.</summary>
    public static NodePlacement?[] Run(BatchProblem problem, PlacementPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(policy);
        var tasks = problem.Tasks;
        var cluster = problem.Cluster;
        var options = policy.NeedsTargetWorkload && problem.Options.TargetWorkload is null
            ? problem.Options with { TargetWorkload = TargetWorkload.FromTasks(tasks.Count > 0 ? tasks : [new TaskRequest { Name = "none" }]) }
            : problem.Options;
        var engine = new PlacementEngine(cluster, policy, options);
        var result = new NodePlacement?[tasks.Count];
        var done = new bool[tasks.Count];
        var order = Enumerable.Range(0, tasks.Count).OrderByDescending(i => tasks[i].Priority).ToArray();
        var gangs = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        foreach (var i in order)
        {
            if (tasks[i].Gang is { } gang)
            {
                if (!gangs.TryGetValue(gang, out var members))
                {
                    gangs[gang] = members = [];
                }

                members.Add(i);
            }
        }

        var quotaOf = new List<int>[tasks.Count];
        var used = new ResourceVector[problem.Quotas.Count];
        for (var q = 0; q < problem.Quotas.Count; q++)
        {
            foreach (var t in problem.Quotas[q].Tasks)
            {
                (quotaOf[t] ??= []).Add(q);
            }
        }

        var committed = new List<(int Task, NodePlacement Placement)>();
        try
        {
            foreach (var i in order)
            {
                if (done[i])
                {
                    continue;
                }

                IReadOnlyList<int> members = tasks[i].Gang is { } gang ? gangs[gang] : [i];
                foreach (var m in members)
                {
                    done[m] = true;
                }

                if (!WithinQuota(problem, members, quotaOf, used))
                {
                    continue;
                }

                var replicas = members.Select(m => tasks[m]).ToArray();
                var placements = new NodePlacement[replicas.Length];
                if (!engine.TryPlaceGang(replicas, placements))
                {
                    continue;
                }

                for (var k = 0; k < members.Count; k++)
                {
                    result[members[k]] = placements[k];
                    committed.Add((members[k], placements[k]));
                    if (quotaOf[members[k]] is { } qs)
                    {
                        foreach (var q in qs)
                        {
                            used[q] += tasks[members[k]].Request;
                        }
                    }
                }
            }
        }
        finally
        {
            for (var k = committed.Count - 1; k >= 0; k--)
            {
                cluster.Release(committed[k].Placement.Node, tasks[committed[k].Task], committed[k].Placement.Gpus);
            }
        }

        return result;
    }

    private static bool WithinQuota(BatchProblem problem, IReadOnlyList<int> members, List<int>[] quotaOf, ResourceVector[] used)
    {
        var extra = new ResourceVector[used.Length];
        foreach (var m in members)
        {
            if (quotaOf[m] is { } qs)
            {
                foreach (var q in qs)
                {
                    extra[q] += problem.Tasks[m].Request;
                }
            }
        }

        for (var q = 0; q < used.Length; q++)
        {
            if (extra[q] != ResourceVector.Zero && !(used[q] + extra[q]).FitsIn(problem.Quotas[q].Remaining))
            {
                return false;
            }
        }

        return true;
    }
}
