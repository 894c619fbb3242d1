namespace Lepton.Client.Contracts;

/// <summary>The per-replica request of a job, as submitted: <c>resources</c> in a <see cref="JobSubmission"/>.</summary>
/// <remarks>
/// GPUs are asked for either as <see cref="Gpu"/> whole GPUs, or as <see cref="GpuMilli"/> 1..999, a share of one GPU;
/// not both. <see cref="GpuModels"/> empty or null means any model.
/// </remarks>
public sealed record JobResources
{
    /// <summary>CPU in millicores.</summary>
    public long CpuMilli { get; set; }

    /// <summary>Memory in MiB.</summary>
    public long MemoryMiB { get; set; }

    /// <summary>Whole GPUs.</summary>
    public int Gpu { get; set; }

    /// <summary>A share of one GPU in milli-GPU (1..999); 0 when whole GPUs (or none) are asked for.</summary>
    public int GpuMilli { get; set; }

    /// <summary>Allowed GPU models; null or empty means any.</summary>
    public IReadOnlyList<string>? GpuModels { get; set; }

    /// <summary>FPGAs.</summary>
    public int Fpga { get; set; }

    /// <summary>Network bandwidth in Mbps.</summary>
    public long NetworkMbps { get; set; }

    /// <summary>RDMA NIC bandwidth in milli-NIC (1000 = one whole NIC, 250 = a quarter of one).</summary>
    public long RdmaMilli { get; set; }

    /// <summary>At most this many replicas of the job on one node (anti-affinity); 0 means no limit.</summary>
    public int MaxPerNode { get; set; }

    /// <summary>Topology wish of the gang (spec field <c>topology</c>); null for none.</summary>
    public JobTopology? Topology { get; set; }

    /// <summary>The job's input data (spec field <c>data</c>); null for none.</summary>
    public JobData? Data { get; set; }

    /// <summary>Users' location and latency budget (spec field <c>latency</c>); null for none.</summary>
    public JobLatency? Latency { get; set; }
}
