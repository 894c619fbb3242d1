namespace Lepton.Simulation.Experiments;

/// <summary>The outcome of one openb run: its grid metrics and pod counts.</summary>
/// <param name="Trace">Workload name.</param>
/// <param name="Policy">Policy name.</param>
/// <param name="Seed">The run's seed.</param>
/// <param name="Grid">Allocation and fragmentation on the arrived-% grid.</param>
/// <param name="Pods">Pods attempted (after tuning).</param>
/// <param name="Placed">Pods placed.</param>
/// <param name="Elapsed">Wall time the run took.</param>
public sealed record OpenbRunResult(string Trace, string Policy, int Seed, GridSeries Grid, int Pods, int Placed, TimeSpan Elapsed)
{
    /// <summary>Cluster power and allocation on the PWR grid (PWR-SPEC §3), or null when not recorded.</summary>
    public PowerSeries? Power { get; init; }

    /// <summary>Pods that found no node.</summary>
    public int Failed => Pods - Placed;
}
