using Lepton.Core.Placement;
using Lepton.Core.Workloads;

namespace Lepton.Simulation.Experiments;

/// <summary>An openb pod list prepared for runs: the pods sorted by name and their typical tasks.</summary>
/// <remarks>
/// Both are derived once and shared by every run of the workload (they are read-only): FGD-SPEC §2 sorts the pods
/// by name (ordinal) before each run's shuffle and takes the typical tasks from the original list, before any
/// shuffling or tuning.
/// </remarks>
public sealed class OpenbWorkload
{
    /// <summary>Prepares <paramref name="pods"/> (in file order) under the display name <paramref name="name"/>.</summary>
    public OpenbWorkload(string name, IReadOnlyList<TaskRequest> pods)
    {
        ArgumentNullException.ThrowIfNull(pods);
        Name = name;
        var sorted = pods.ToArray();
        Array.Sort(sorted, static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        PodsByName = sorted;
        Target = TargetWorkload.FromTasks(pods);
        TotalGpuMilli = pods.Sum(p => p.TotalGpuMilli);
    }

    /// <summary>Workload name such as <c>default</c> or <c>multigpu50</c>.</summary>
    public string Name { get; }

    /// <summary>The pods sorted by name (ordinal).</summary>
    public IReadOnlyList<TaskRequest> PodsByName { get; }

    /// <summary>The typical tasks of the original list (FGD-SPEC §5.1).</summary>
    public TargetWorkload Target { get; }

    /// <summary>Σ n·g over the original pods, in milli-GPU.</summary>
    public long TotalGpuMilli { get; }
}
