namespace Lepton.Core.Power;

/// <summary>A CPU model's power figures: watts per socket when idle and when working, cores per socket, threads per core.</summary>
/// <param name="Name">Model name, e.g. <c>Xeon E5-2682 v4</c>.</param>
/// <param name="IdleWattsPerSocket">Draw of a socket none of whose cores is allocated.</param>
/// <param name="ActiveWattsPerSocket">Draw of a socket with at least one working core (its TDP).</param>
/// <param name="CoresPerSocket">Physical cores per socket.</param>
/// <param name="ThreadsPerCore">Hardware threads (vCPUs) per physical core.</param>
public sealed record CpuPowerProfile(string Name, double IdleWattsPerSocket, double ActiveWattsPerSocket, int CoresPerSocket, int ThreadsPerCore)
{
    /// <summary>Intel Xeon E5-2682 v4, the profile PWR-SPEC §1.1 gives every openb node: 15/120 W, 16 cores, 2 threads per core.</summary>
    public static CpuPowerProfile XeonE5_2682V4 { get; } = new("Xeon E5-2682 v4", 15, 120, 16, 2);
}
