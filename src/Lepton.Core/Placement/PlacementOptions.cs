namespace Lepton.Core.Placement;

/// <summary>Settings of one placement run: the seed, the node tie-break order and FGD's target workload.</summary>
public sealed record PlacementOptions
{
    /// <summary>Seed for everything random in a run: the tie-break permutation (when <see cref="NodeRanks"/> is null) and the random policy's picks.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>
    /// Tie-break rank per node index (lower wins among equally scored nodes). Null draws a seeded random permutation,
    /// as FGD-SPEC §2 step 5 does. Ranks need not be distinct; equal ranks fall back to the node index.
    /// </summary>
    public IReadOnlyList<int>? NodeRanks { get; init; }

    /// <summary>FGD's typical tasks (FGD-SPEC §5.1). Required by <c>fgd</c> in a <see cref="PlacementEngine"/>; the
    /// <see cref="Scheduler"/> derives it from its tasks when null.</summary>
    public TargetWorkload? TargetWorkload { get; init; }

    /// <summary>How power-aware policies (<c>pwr</c>, <c>pwr+fgd:W</c>) compute node power; null is <see cref="Power.PowerModel.Default"/>.</summary>
    public Power.PowerModel? PowerModel { get; init; }

    /// <summary>Topology levels and network model for jobs that ask for topology, data locality or latency; null uses
    /// <see cref="Topology.NetworkTopology.Default"/>.</summary>
    public Topology.NetworkTopology? Network { get; init; }
}
