namespace Lepton.Simulation.Jobs;

/// <summary>The cluster's allocation at one instant of a job simulation, as % of capacity per resource (NaN where the
/// cluster has none of that resource), plus the jobs running and queued.</summary>
/// <remarks>The values hold from <see cref="Time"/> until the next sample.</remarks>
/// <param name="Time">When.</param>
/// <param name="CpuPct">CPU allocated, % of capacity.</param>
/// <param name="MemoryPct">Memory allocated.</param>
/// <param name="GpuPct">GPU allocated.</param>
/// <param name="FpgaPct">FPGA allocated.</param>
/// <param name="NetworkPct">Network allocated.</param>
/// <param name="Running">Jobs running.</param>
/// <param name="Queued">Jobs waiting.</param>
/// <param name="PowerWatts">Cluster power draw.</param>
/// <param name="FragmentedGpus">FGD's fragmentation: Σ over nodes of the idle GPU the workload's typical tasks cannot use, in GPUs.</param>
/// <param name="FragmentationPct">That as % of the idle GPU.</param>
/// <param name="StrandedGpus">Whole idle GPUs on nodes whose free CPU or memory is below the smallest GPU task's request, so no GPU task can use them.</param>
public readonly record struct UtilisationSample(TimeSpan Time, double CpuPct, double MemoryPct, double GpuPct, double FpgaPct, double NetworkPct, int Running, int Queued, double PowerWatts,
    double FragmentedGpus = 0, double FragmentationPct = 0, int StrandedGpus = 0);
