using Lepton.Core.Workloads;

namespace Lepton.Core.Placement;

/// <summary>FGD's target workload: the typical task classes and their popularity weights (FGD-SPEC §5.1).</summary>
/// <remarks>
/// Built from the original task list (before any shuffling or tuning): tasks are grouped by the key
/// (cpu, g, n, spec) — memory is not part of it, CPU-only tasks are included as (cpu, 0, 0, "") — sorted by count
/// descending, ties by key descending (cpu, then g, then n, then spec, ordinal), and the shortest prefix whose
/// cumulative count reaches 95 % of all tasks is kept. Weights are <c>(count/total)/(cum/total)</c> (or
/// <c>count/total</c> when every class is kept), in exactly that double arithmetic, and the sorted order is kept
/// because fragmentation sums follow it.
/// </remarks>
public sealed class TargetWorkload
{
    /// <summary>Creates a target workload from explicit classes (weights are used as given).</summary>
    public TargetWorkload(IReadOnlyList<TypicalTask> tasks, int totalTasks)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        Tasks = [.. tasks];
        TotalTasks = totalTasks;
    }

    /// <summary>The kept classes in FGD order.</summary>
    public IReadOnlyList<TypicalTask> Tasks { get; }

    /// <summary>Number of tasks the workload was derived from.</summary>
    public int TotalTasks { get; }

    /// <summary>Derives the typical tasks of <paramref name="originalTasks"/> (FGD-SPEC §5.1, 95 % cut).</summary>
    public static TargetWorkload FromTasks(IReadOnlyList<TaskRequest> originalTasks)
    {
        ArgumentNullException.ThrowIfNull(originalTasks);
        var counts = new Dictionary<(long Cpu, int G, int N, string Spec), int>();
        foreach (var task in originalTasks)
        {
            var key = KeyOf(task);
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }

        var sorted = counts.ToList();
        sorted.Sort(static (a, b) =>
        {
            var c = b.Value.CompareTo(a.Value);
            if (c != 0)
            {
                return c;
            }

            c = b.Key.Cpu.CompareTo(a.Key.Cpu);
            if (c != 0)
            {
                return c;
            }

            c = b.Key.G.CompareTo(a.Key.G);
            if (c != 0)
            {
                return c;
            }

            c = b.Key.N.CompareTo(a.Key.N);
            return c != 0 ? c : string.CompareOrdinal(b.Key.Spec, a.Key.Spec);
        });

        var total = originalTasks.Count;
        var threshold = 95 * total / 100.0;
        var kept = 0;
        var cum = 0;
        while (kept < sorted.Count && cum < threshold)
        {
            cum += sorted[kept].Value;
            kept++;
        }

        var typical = new List<TypicalTask>(kept);
        for (var i = 0; i < kept; i++)
        {
            var ((cpu, g, n, spec), count) = sorted[i];
            var q = (double)count / total;
            var p = kept < sorted.Count ? q / ((double)cum / total) : q;
            typical.Add(new TypicalTask(cpu, g, n, spec, count, p));
        }

        return new TargetWorkload(typical, total);
    }

    private static (long Cpu, int G, int N, string Spec) KeyOf(TaskRequest task)
    {
        var g = Cluster.ClusterState.EffectiveGpuMilli(task);
        if (g == 0)
        {
            return (task.CpuMilli, 0, 0, "");
        }

        var spec = string.Join('|', task.GpuModels.Where(m => m.Length > 0));
        return (task.CpuMilli, g, task.GpuCount, spec);
    }
}
