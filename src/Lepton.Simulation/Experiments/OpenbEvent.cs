namespace Lepton.Simulation.Experiments;

/// <summary>The cluster after one pod attempt of an openb run (FGD-SPEC §6).</summary>
/// <param name="ArrivedMilli">Σ n·g over every pod attempted so far, failed ones and this one included.</param>
/// <param name="UsedMilli">GPU milli allocated in the cluster.</param>
/// <param name="FragmentedMilli">Σ F(N) over all nodes (FGD's expected fragmentation).</param>
/// <param name="IdleMilli">GPU milli free in the cluster.</param>
public readonly record struct OpenbEvent(long ArrivedMilli, long UsedMilli, double FragmentedMilli, long IdleMilli);
