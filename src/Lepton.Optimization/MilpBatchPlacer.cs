using System.Diagnostics;
using System.Globalization;
using Google.OrTools.Sat;
using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Placement.Batch;

namespace Lepton.Optimization;

/// <summary><c>milp</c>: places a batch by solving an integer model with CP-SAT, warm-started from the best greedy plan
/// and never returning anything worse than it.</summary>
/// <remarks>
/// <para>Model. For every task t and every node n that passes all of Core's filters for t on its own
/// (<see cref="BatchFeasibility"/>), a boolean <c>x[t,n]</c>; for every GPU j of n with room for t's per-GPU share, a
/// boolean <c>y[t,n,j]</c>. Constraints: each task on at most one node (<c>Σn x = p[t]</c>); the replicas of a gang share
/// one <c>p</c> (all or nothing); per node, Σ CPU, memory, FPGA, network (when the node accounts it) and RDMA of its
/// tasks within what is free; per node and replica group with a <c>maxPerNode</c> limit, at most the replicas still
/// allowed; <c>Σj y[t,n,j] = N(t)·x[t,n]</c> and, per GPU, Σ milli of the tasks on it within its free milli, so GPU indices
/// are part of the solution (a whole-GPU task only gets variables for fully free GPUs); per quota, Σ requests of its
/// placed tasks within what it has left. Objective: Σ <see cref="BatchValues"/> value·x.</para>
/// <para>Guarantee. The greedy plan is given as a complete solution hint; whatever the solver returns is checked by
/// allocating it on the cluster (which refuses any overfill) and compared with the greedy value: the result is the
/// better of the two. A model larger than <see cref="MaxVariables"/> is not built (the greedy plan is returned, saying so).</para>
/// </remarks>
public sealed class MilpBatchPlacer : IBatchPlacer
{
    private readonly GreedyBatchPlacer _greedy;

    /// <summary>A placer whose warm start and floor is the best of <paramref name="greedyPolicies"/> (default: all but random).</summary>
    public MilpBatchPlacer(IReadOnlyList<string>? greedyPolicies = null) => _greedy = new GreedyBatchPlacer(greedyPolicies);

    /// <inheritdoc/>
    public string Name => "milp";

    /// <summary>Largest model (x and y variables) built; beyond it the greedy plan is returned.</summary>
    public int MaxVariables { get; init; } = 300_000;

    /// <summary>Solver threads; default one per core, at most 8.</summary>
    public int Workers { get; init; } = Math.Clamp(Environment.ProcessorCount, 1, 8);

    /// <inheritdoc/>
    public BatchPlan Place(BatchProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var stopwatch = Stopwatch.StartNew();
        var values = BatchValues.For(problem.Cluster, problem.Tasks, problem.Objective);
        var greedy = _greedy.Place(problem, values);
        var plan = Solve(problem, values, greedy, stopwatch);
        return plan with { Elapsed = stopwatch.Elapsed, GreedyValue = greedy.Value, GreedyPolicy = greedy.GreedyPolicy };
    }

    private BatchPlan Solve(BatchProblem problem, BatchValues values, BatchPlan greedy, Stopwatch stopwatch)
    {
        var tasks = problem.Tasks;
        var cluster = problem.Cluster;
        if (tasks.Count == 0)
        {
            return greedy with { Status = BatchPlanStatus.Optimal, UpperBound = 0, Source = "cp-sat" };
        }

        var feasibility = new BatchFeasibility(cluster);
        var candidates = new List<int>[tasks.Count];
        long size = 0;
        for (var t = 0; t < tasks.Count; t++)
        {
            candidates[t] = feasibility.FeasibleNodes(tasks[t]);
            var g = BatchFeasibility.GpuMilliPerGpu(tasks[t]);
            foreach (var n in candidates[t])
            {
                size += 1;
                if (g > 0)
                {
                    foreach (var free in cluster.GpuFreeSpan(n))
                    {
                        size += free >= g ? 1 : 0;
                    }
                }
            }
        }

        if (size > MaxVariables)
        {
            return greedy with
            {
                UpperBound = LpUpperBound(problem),
                Note = string.Create(CultureInfo.InvariantCulture,
                    $"the exact model would have {size:N0} variables (limit {MaxVariables:N0}); kept the greedy plan of {greedy.GreedyPolicy}"),
            };
        }

        var model = new CpModel();
        var x = new Dictionary<(int T, int N), BoolVar>();
        var y = new Dictionary<(int T, int N), List<(int Gpu, BoolVar Var)>>();
        var placed = new BoolVar[tasks.Count];
        var gangVar = new Dictionary<string, BoolVar>(StringComparer.Ordinal);
        var objective = LinearExpr.NewBuilder();
        var nodeTerms = new List<(int T, BoolVar X)>[cluster.NodeCount];
        var gpuTerms = new Dictionary<(int N, int Gpu), LinearExprBuilder>();
        for (var t = 0; t < tasks.Count; t++)
        {
            var task = tasks[t];
            if (task.Gang is { } gang)
            {
                if (!gangVar.TryGetValue(gang, out var shared))
                {
                    gangVar[gang] = shared = model.NewBoolVar("gang:" + gang);
                }

                placed[t] = shared;
            }
            else
            {
                placed[t] = model.NewBoolVar("p" + t);
            }

            var sum = LinearExpr.NewBuilder();
            var g = BatchFeasibility.GpuMilliPerGpu(task);
            var count = BatchFeasibility.GpuCountOf(task);
            foreach (var n in candidates[t])
            {
                var xv = model.NewBoolVar($"x{t}_{n}");
                x[(t, n)] = xv;
                sum.Add(xv);
                objective.AddTerm(xv, values.ValueOf(t, n));
                (nodeTerms[n] ??= []).Add((t, xv));
                if (g == 0)
                {
                    continue;
                }

                var gpus = new List<(int, BoolVar)>();
                var gpuSum = LinearExpr.NewBuilder();
                var free = cluster.GpuFreeSpan(n);
                for (var j = 0; j < free.Length; j++)
                {
                    if (free[j] < g)
                    {
                        continue;
                    }

                    var yv = model.NewBoolVar($"y{t}_{n}_{j}");
                    gpus.Add((j, yv));
                    gpuSum.Add(yv);
                    if (!gpuTerms.TryGetValue((n, j), out var onGpu))
                    {
                        gpuTerms[(n, j)] = onGpu = LinearExpr.NewBuilder();
                    }

                    onGpu.AddTerm(yv, g);
                }

                y[(t, n)] = gpus;
                model.Add(gpuSum == count * (LinearExpr)xv);
            }

            model.Add(sum == placed[t]);
        }

        foreach (var ((n, j), terms) in gpuTerms)
        {
            model.Add(terms <= cluster.GpuFreeMilli(n, j));
        }

        for (var n = 0; n < cluster.NodeCount; n++)
        {
            if (nodeTerms[n] is not { } terms)
            {
                continue;
            }

            var free = cluster.Free(n);
            AddCapacity(model, terms, tasks, static r => r.CpuMilli, free.CpuMilli);
            AddCapacity(model, terms, tasks, static r => r.MemoryMiB, free.MemoryMiB);
            AddCapacity(model, terms, tasks, static r => r.Fpga, free.Fpga);
            AddCapacity(model, terms, tasks, static r => r.RdmaMilli, free.RdmaMilli);
            if (cluster.Capacity(n).NetworkMbps > 0)
            {
                AddCapacity(model, terms, tasks, static r => r.NetworkMbps, free.NetworkMbps);
            }

            // Per-node replica limits, per replica group.
            foreach (var group in terms.Where(e => tasks[e.T].MaxPerNode > 0).GroupBy(e => tasks[e.T].ReplicaGroup, StringComparer.Ordinal))
            {
                var limit = group.Min(e => tasks[e.T].MaxPerNode) - cluster.ReplicasOn(n, group.Key);
                model.Add(LinearExpr.Sum(group.Select(e => e.X)) <= Math.Max(0, limit));
            }
        }

        foreach (var quota in problem.Quotas)
        {
            var members = quota.Tasks.Distinct().ToArray();
            AddQuota(model, members, placed, tasks, static r => r.CpuMilli, quota.Remaining.CpuMilli);
            AddQuota(model, members, placed, tasks, static r => r.MemoryMiB, quota.Remaining.MemoryMiB);
            AddQuota(model, members, placed, tasks, static r => r.GpuMilli, quota.Remaining.GpuMilli);
            AddQuota(model, members, placed, tasks, static r => r.Fpga, quota.Remaining.Fpga);
            AddQuota(model, members, placed, tasks, static r => r.NetworkMbps, quota.Remaining.NetworkMbps);
            AddQuota(model, members, placed, tasks, static r => r.RdmaMilli, quota.Remaining.RdmaMilli);
        }

        model.Maximize(objective);
        Hint(model, greedy, x, y, placed);

        var remaining = problem.TimeLimit - stopwatch.Elapsed;
        var seconds = Math.Max(0.05, remaining.TotalSeconds);
        var solver = new CpSolver
        {
            StringParameters = string.Create(CultureInfo.InvariantCulture,
                $"max_time_in_seconds:{seconds:0.###} num_workers:{Workers} random_seed:{problem.Options.Seed & int.MaxValue}"),
        };
        var status = solver.Solve(model);
        if (status is not (CpSolverStatus.Optimal or CpSolverStatus.Feasible))
        {
            return greedy with { Note = $"CP-SAT returned {status}; kept the greedy plan of {greedy.GreedyPolicy}" };
        }

        var plan = new NodePlacement?[tasks.Count];
        foreach (var ((t, n), xv) in x)
        {
            if (!solver.BooleanValue(xv))
            {
                continue;
            }

            var set = GpuSet.Empty;
            if (y.TryGetValue((t, n), out var gpus))
            {
                foreach (var (j, yv) in gpus)
                {
                    if (solver.BooleanValue(yv))
                    {
                        set = set.With(j);
                    }
                }
            }

            plan[t] = new NodePlacement(n, set);
        }

        var bound = status == CpSolverStatus.Optimal ? (double?)null : solver.BestObjectiveBound;
        if (!Fits(cluster, problem, plan, out var why))
        {
            return greedy with { Note = $"the solver's plan failed the capacity check ({why}); kept the greedy plan of {greedy.GreedyPolicy}" };
        }

        var value = values.ValueOf(plan);
        var upper = bound ?? value;
        if (value < greedy.Value)
        {
            return greedy with
            {
                UpperBound = Math.Max(upper, greedy.Value),
                Note = $"CP-SAT's best plan was worse than greedy within the time limit; kept the greedy plan of {greedy.GreedyPolicy}",
            };
        }

        var optimal = status == CpSolverStatus.Optimal;
        return new BatchPlan(plan, value, optimal ? BatchPlanStatus.Optimal : BatchPlanStatus.Feasible, "cp-sat")
        {
            UpperBound = optimal ? value : Math.Max(upper, value),
            Note = optimal ? "proven optimal" : "time limit reached",
        };
    }

    /// <summary>For a model too large to build: when the objective is GPU and the cluster is empty, the LP bound of
    /// <see cref="LpPackingBound"/> turned into the objective's units (each task's value is gpu·(T+1) + 1, so a plan's value is
    /// at most bound·(T+1) + T); otherwise none.</summary>
    private static double? LpUpperBound(BatchProblem problem)
    {
        var cluster = problem.Cluster;
        if (problem.Objective != BatchObjective.Gpu || cluster.TotalAllocated != Core.Resources.ResourceVector.Zero)
        {
            return null;
        }

        var nodes = Enumerable.Range(0, cluster.NodeCount).Select(cluster.NodeAt).ToArray();
        var gpu = Math.Floor(new LpPackingBound().UpperBoundGpuMilli(nodes, problem.Tasks));
        return gpu * (problem.Tasks.Count + 1.0) + problem.Tasks.Count;
    }

    /// <summary>Allocates the plan on the cluster and releases it again: the cluster refuses any overfill, so a plan that passes
    /// this never overfills a node, whatever the model said.</summary>
    internal static bool Fits(ClusterState cluster, BatchProblem problem, IReadOnlyList<NodePlacement?> plan, out string why)
    {
        var done = new List<int>();
        why = "";
        try
        {
            for (var t = 0; t < plan.Count; t++)
            {
                if (plan[t] is { } p)
                {
                    cluster.Allocate(p.Node, problem.Tasks[t], p.Gpus);
                    done.Add(t);
                }
            }

            return true;
        }
        catch (InvalidOperationException e)
        {
            why = e.Message;
            return false;
        }
        finally
        {
            for (var k = done.Count - 1; k >= 0; k--)
            {
                var p = plan[done[k]]!.Value;
                cluster.Release(p.Node, problem.Tasks[done[k]], p.Gpus);
            }
        }
    }

    private static void Hint(CpModel model, BatchPlan greedy, Dictionary<(int T, int N), BoolVar> x,
        Dictionary<(int T, int N), List<(int Gpu, BoolVar Var)>> y, BoolVar[] placed)
    {
        var hinted = new HashSet<BoolVar>();
        foreach (var ((t, n), xv) in x)
        {
            var p = greedy.Placements[t];
            var on = p is { } q && q.Node == n;
            model.AddHint(xv, on);
            if (y.TryGetValue((t, n), out var gpus))
            {
                foreach (var (j, yv) in gpus)
                {
                    model.AddHint(yv, on && p!.Value.Gpus.Contains(j));
                }
            }
        }

        for (var t = 0; t < placed.Length; t++)
        {
            if (hinted.Add(placed[t]))
            {
                model.AddHint(placed[t], greedy.Placements[t] is not null);
            }
        }
    }

    private static void AddCapacity(CpModel model, List<(int T, BoolVar X)> terms, IReadOnlyList<Core.Workloads.TaskRequest> tasks,
        Func<Core.Resources.ResourceVector, long> dimension, long free)
    {
        var sum = LinearExpr.NewBuilder();
        long total = 0;
        foreach (var (t, xv) in terms)
        {
            var amount = dimension(tasks[t].Request);
            if (amount > 0)
            {
                sum.AddTerm(xv, amount);
                total += amount;
            }
        }

        if (total > free)
        {
            model.Add(sum <= free);
        }
    }

    private static void AddQuota(CpModel model, int[] members, BoolVar[] placed, IReadOnlyList<Core.Workloads.TaskRequest> tasks,
        Func<Core.Resources.ResourceVector, long> dimension, long remaining)
    {
        var sum = LinearExpr.NewBuilder();
        long total = 0;
        foreach (var t in members)
        {
            var amount = dimension(tasks[t].Request);
            if (amount > 0)
            {
                sum.AddTerm(placed[t], amount);
                total += amount;
            }
        }

        if (total > remaining)
        {
            model.Add(sum <= remaining);
        }
    }
}
