using Google.OrTools.LinearSolver;
using Lepton.Core.Cluster;
using Lepton.Core.Placement.Batch;
using Lepton.Core.Workloads;

namespace Lepton.Optimization;

/// <summary>An upper bound on GPU allocation: the LP relaxation of offline packing, aggregated by node shape and task shape
/// (solved with GLOP).</summary>
/// <remarks>
/// <para>Model. Node shapes k = (CPU, memory, GPU count, GPU model) over Ready nodes, m(k) nodes each; task shapes s = (CPU
/// and memory rounded <em>down</em> to <see cref="CpuStepMilli"/> and <see cref="MemoryStepMiB"/>, GPU count N, milli per
/// GPU g, allowed models) over the GPU tasks, c(s) tasks each. A variable z(s,k) ≥ 0 for every pair where one task of s
/// fits on an empty node of k (model allowed, CPU, memory and N GPUs within the node's). Constraints: Σk z(s,k) ≤ c(s);
/// per k, Σ CPU·z ≤ m(k)·CPU(k), Σ memory·z ≤ m(k)·memory(k), Σ N·g·z ≤ m(k)·1000·GPUs(k), and
/// Σ over whole-GPU and over-half-GPU shapes of N·z ≤ m(k)·GPUs(k) (no GPU holds two tasks that each take more than half
/// of it, nor one beside a whole-GPU task). Objective: max Σ N·g·z.</para>
/// <para>Why it is a valid bound. Take any placement of any subset of the tasks on the nodes (what any policy, online or
/// offline, ends with). Let z(s,k) count its tasks of shape s on nodes of shape k. Every per-node constraint holds node by
/// node, so summed over the m(k) nodes of a shape it holds for the shape; rounding a task's CPU and memory down and
/// dropping FPGA, network, labels, CPU-only tasks and the per-GPU arrangement only remove or loosen constraints; and
/// integrality is dropped. So that z is feasible for the LP, whose optimum is therefore ≥ the placement's GPU. The
/// bound is also capped at the tasks' total GPU and the cluster's GPU capacity (both trivially valid).</para>
/// </remarks>
public sealed class LpPackingBound : IPackingBound
{
    /// <summary>CPU rounding step (down) for task shapes, millicores.</summary>
    public long CpuStepMilli { get; init; } = 500;

    /// <summary>Memory rounding step (down) for task shapes, MiB.</summary>
    public long MemoryStepMiB { get; init; } = 1024;

    /// <inheritdoc/>
    public double UpperBoundGpuMilli(IReadOnlyList<NodeSpec> nodes, IReadOnlyList<TaskRequest> tasks)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(tasks);
        var nodeShapes = nodes.Where(n => n.State == NodeState.Ready && n.GpuCount > 0)
            .GroupBy(n => (n.CpuMilli, n.MemoryMiB, n.GpuCount, Model: n.GpuModel.ToUpperInvariant()))
            .Select(g => (g.Key.CpuMilli, g.Key.MemoryMiB, g.Key.GpuCount, g.Key.Model, Count: (long)g.Count()))
            .ToArray();
        var taskShapes = new Dictionary<(long Cpu, long Mem, int N, int G, string Models), long>();
        long totalGpu = 0;
        foreach (var task in tasks)
        {
            var g = BatchFeasibility.GpuMilliPerGpu(task);
            if (g == 0)
            {
                continue;
            }

            var models = task.GpuModels.Count == 0 ? "" : string.Join(",", task.GpuModels.Select(m => m.ToUpperInvariant()).Distinct().Order(StringComparer.Ordinal));
            var key = (task.CpuMilli / CpuStepMilli * CpuStepMilli, task.MemoryMiB / MemoryStepMiB * MemoryStepMiB, task.GpuCount, g, models);
            taskShapes[key] = taskShapes.GetValueOrDefault(key) + 1;
            totalGpu += (long)task.GpuCount * g;
        }

        var capacity = nodeShapes.Sum(k => k.Count * k.GpuCount * 1000.0);
        var trivial = Math.Min(totalGpu, capacity);
        if (taskShapes.Count == 0 || nodeShapes.Length == 0)
        {
            return 0;
        }

        using var solver = Solver.CreateSolver("GLOP") ?? throw new InvalidOperationException("OR-Tools GLOP is not available");
        var objective = solver.Objective();
        objective.SetMaximization();
        var cpu = new Constraint[nodeShapes.Length];
        var mem = new Constraint[nodeShapes.Length];
        var gpu = new Constraint[nodeShapes.Length];
        var exclusive = new Constraint[nodeShapes.Length];
        for (var k = 0; k < nodeShapes.Length; k++)
        {
            var shape = nodeShapes[k];
            cpu[k] = solver.MakeConstraint(double.NegativeInfinity, shape.Count * (double)shape.CpuMilli);
            mem[k] = solver.MakeConstraint(double.NegativeInfinity, shape.Count * (double)shape.MemoryMiB);
            gpu[k] = solver.MakeConstraint(double.NegativeInfinity, shape.Count * 1000.0 * shape.GpuCount);
            exclusive[k] = solver.MakeConstraint(double.NegativeInfinity, shape.Count * (double)shape.GpuCount);
        }

        foreach (var ((tCpu, tMem, n, g, models), count) in taskShapes)
        {
            var allowed = models.Length == 0 ? null : models.Split(',');
            var demand = solver.MakeConstraint(double.NegativeInfinity, count);
            for (var k = 0; k < nodeShapes.Length; k++)
            {
                var shape = nodeShapes[k];
                if (tCpu > shape.CpuMilli || tMem > shape.MemoryMiB || n > shape.GpuCount || (allowed is not null && !allowed.Contains(shape.Model)))
                {
                    continue;
                }

                var z = solver.MakeNumVar(0, count, "");
                demand.SetCoefficient(z, 1);
                cpu[k].SetCoefficient(z, tCpu);
                mem[k].SetCoefficient(z, tMem);
                gpu[k].SetCoefficient(z, (double)n * g);
                if (g > 500)
                {
                    exclusive[k].SetCoefficient(z, n);
                }

                objective.SetCoefficient(z, (double)n * g);
            }
        }

        var status = solver.Solve();
        if (status != Solver.ResultStatus.OPTIMAL)
        {
            // Without a proven LP optimum only the trivial bound is safe.
            return trivial;
        }

        // GLOP's optimum carries floating-point error; a little slack keeps the bound on the safe side.
        return Math.Min(trivial, objective.Value() * (1 + 1e-9) + 1e-6);
    }
}
