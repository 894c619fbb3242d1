namespace Lepton.Simulation.Jobs;

/// <summary>The cluster's allocation at one instant of a job simulation, as % of capacity per resource (NaN where the
/// cluster has none of that resource), plus the jobs running and queued.</summary>
/// <remarks>The values hold from <see cref="Time"/> until the next sample.</remarks>
public readonly record struct UtilisationSample(TimeSpan Time, double CpuPct, double MemoryPct, double GpuPct, double FpgaPct, double NetworkPct, int Running, int Queued, double PowerWatts);
