using Lepton.Core.Resources;
using Lepton.Core.Topology;

namespace Lepton.Core.Workloads;

/// <summary>One task (a replica of a job) to be placed on a node: its per-replica request, GPU constraints, priority and gang.</summary>
/// <remarks>
/// GPUs are requested either as <see cref="GpuCount"/> whole GPUs (<see cref="GpuMilliPerGpu"/> = 1000) or as a share of
/// one GPU (<see cref="GpuCount"/> = 1 and <see cref="GpuMilliPerGpu"/> in 1..999). A task with <see cref="GpuCount"/> = 0
/// needs no GPU. Tasks sharing a <see cref="Gang"/> id are placed all or nothing.
/// </remarks>
public sealed record TaskRequest
{
    /// <summary>Task name, unique within one placement.</summary>
    public required string Name { get; init; }

    /// <summary>CPU in millicores.</summary>
    public long CpuMilli { get; init; }

    /// <summary>Memory in MiB.</summary>
    public long MemoryMiB { get; init; }

    /// <summary>Number of GPUs (0 for none; 1 for a shared GPU).</summary>
    public int GpuCount { get; init; }

    /// <summary>Milli-GPU needed on each of the <see cref="GpuCount"/> GPUs: 1000 for whole GPUs, 1..999 for a share.</summary>
    public int GpuMilliPerGpu { get; init; }

    /// <summary>GPU models the task may run on, in the order given (duplicates kept); empty means any model.</summary>
    public IReadOnlyList<string> GpuModels { get; init; } = [];

    /// <summary>FPGAs needed.</summary>
    public int Fpga { get; init; }

    /// <summary>Network bandwidth needed in Mbps.</summary>
    public long NetworkMbps { get; init; }

    /// <summary>RDMA NIC bandwidth reserved in milli-NIC (1000 = one whole NIC; Alibaba's 25 % of a NIC is 250).</summary>
    public long RdmaMilli { get; init; }

    /// <summary>At most this many tasks of the same <see cref="ReplicaGroup"/> on one node (anti-affinity); 0 means no limit.</summary>
    public int MaxPerNode { get; init; }

    /// <summary>The job or app whose replicas <see cref="MaxPerNode"/> counts; null means the gang (or the task alone).</summary>
    public string? App { get; init; }

    /// <summary>Relative training/serving throughput per GPU model (any positive unit, e.g. steps/s); empty means the
    /// task runs equally fast everywhere. Keys are matched to node models case-insensitively; heterogeneity-aware
    /// policies (<c>gavel</c>, <c>gavel-cost</c>) prefer the model where the value is highest.</summary>
    public IReadOnlyDictionary<string, double> GpuModelThroughput { get; init; } = EmptyThroughput;

    /// <summary>Priority 1..9, 9 most important.</summary>
    public int Priority { get; init; } = 5;

    /// <summary>Whether a more important task may evict this one.</summary>
    public bool Preemptible { get; init; }

    /// <summary>Gang id: tasks with the same id are placed all or nothing; null for a lone task.</summary>
    public string? Gang { get; init; }

    /// <summary>Labels the node must carry (all of them, exact match); empty means any node.</summary>
    public IReadOnlyDictionary<string, string> NodeSelector { get; init; } = new Dictionary<string, string>();

    /// <summary>Topology wish of the task's gang (shared level, NVLink); null for none. Read from the first replica.</summary>
    public TopologyRequirement? Topology { get; init; }

    /// <summary>The job's input data (where it sits, how big), for data locality; null for none.</summary>
    public DataRequirement? Data { get; init; }

    /// <summary>Where the job's users are and the latency budget to them; null for none.</summary>
    public LatencyRequirement? Latency { get; init; }

    /// <summary>The key <see cref="MaxPerNode"/> counts replicas by: <see cref="App"/>, else <see cref="Gang"/>, else <see cref="Name"/>.</summary>
    public string ReplicaGroup => App ?? Gang ?? Name;

    /// <summary>Total GPU request in milli-GPU (<c>GpuCount × GpuMilliPerGpu</c>).</summary>
    public long TotalGpuMilli => (long)GpuCount * GpuMilliPerGpu;

    /// <summary>True when the task asks for a share of one GPU.</summary>
    public bool IsGpuShare => GpuCount == 1 && GpuMilliPerGpu is > 0 and < 1000;

    /// <summary>The request as a resource vector.</summary>
    public ResourceVector Request => new(CpuMilli, MemoryMiB, TotalGpuMilli, Fpga, NetworkMbps, RdmaMilli);

    private static readonly IReadOnlyDictionary<string, double> EmptyThroughput = new Dictionary<string, double>();
}
