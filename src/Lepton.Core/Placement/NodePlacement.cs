namespace Lepton.Core.Placement;

/// <summary>Where one task goes: a node index in the <see cref="Cluster.ClusterState"/> and the GPUs on it.</summary>
public readonly record struct NodePlacement(int Node, GpuSet Gpus);
