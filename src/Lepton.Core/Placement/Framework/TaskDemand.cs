using Lepton.Core.Cluster;
using Lepton.Core.Workloads;

namespace Lepton.Core.Placement.Framework;

/// <summary>A task's request compiled for the placement scan: plain numbers, no collections.</summary>
/// <remarks>
/// Follows FGD-SPEC §1.2: a task with no GPU count or no milli per GPU needs no GPU (<see cref="G"/> = 0), and a
/// request above 1000 milli per GPU is capped at one whole GPU. Allowed GPU models and node-selector matches are
/// resolved once per task into the context's per-model and per-label-set tables.
/// </remarks>
internal struct TaskDemand
{
    public TaskRequest Task;
    public long Cpu;
    public long Mem;
    public long Net;
    public int Fpga;

    /// <summary>RDMA milli-NIC needed.</summary>
    public long Rdma;

    /// <summary>Per-node replica limit of the task's group, 0 for none.</summary>
    public int MaxPerNode;

    /// <summary>Interned replica group (<see cref="ClusterState.GroupIdOf"/>), -1 when none of it is placed yet.</summary>
    public int Group;

    /// <summary>True when the task carries a per-GPU-model throughput table.</summary>
    public bool HasThroughput;

    /// <summary>GPUs needed (0 when <see cref="G"/> is 0).</summary>
    public int N;

    /// <summary>Milli-GPU needed on each GPU (0 for a task without GPU).</summary>
    public int G;

    /// <summary>n·g, the task's total GPU request in milli.</summary>
    public int TotalGpu;

    /// <summary>True when any GPU model is allowed.</summary>
    public bool AnyModel;

    /// <summary>True when the task has a node selector.</summary>
    public bool HasSelector;

    /// <summary>GPU-clustering affinity tag slot, -1 for none.</summary>
    public int Tag;

    /// <summary>Interned (cpu, n, g) shape id, for per-node score caches.</summary>
    public int Shape;

    public readonly bool NeedsGpu => G > 0;

    public readonly bool IsShare => N == 1 && G < ClusterState.MilliPerGpu;

    public static TaskDemand From(TaskRequest task)
    {
        var g = ClusterState.EffectiveGpuMilli(task);
        var n = g == 0 ? 0 : task.GpuCount;
        return new TaskDemand
        {
            Task = task,
            Cpu = task.CpuMilli,
            Mem = task.MemoryMiB,
            Net = task.NetworkMbps,
            Fpga = task.Fpga,
            Rdma = task.RdmaMilli,
            MaxPerNode = task.MaxPerNode,
            Group = -1,
            HasThroughput = task.GpuModelThroughput.Count > 0,
            N = n,
            G = g,
            TotalGpu = n * g,
            AnyModel = task.GpuModels.Count == 0,
            HasSelector = task.NodeSelector.Count > 0,
            Tag = ClusterState.TagOf(task, g),
        };
    }
}
