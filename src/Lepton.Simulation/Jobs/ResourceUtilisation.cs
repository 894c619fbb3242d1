namespace Lepton.Simulation.Jobs;

/// <summary>Time-weighted average allocation per resource over a simulation, in % of capacity (NaN where the cluster has none).</summary>
public readonly record struct ResourceUtilisation(double CpuPct, double MemoryPct, double GpuPct, double FpgaPct, double NetworkPct);
