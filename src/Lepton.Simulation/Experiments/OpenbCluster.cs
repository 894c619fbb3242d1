using Lepton.Core.Cluster;

namespace Lepton.Simulation.Experiments;

/// <summary>The node list an openb experiment runs on, with its GPU totals (the denominators of every metric).</summary>
/// <param name="Name">A display name, e.g. the node file's name.</param>
/// <param name="Nodes">The nodes in file order (FGD-SPEC §1.1: the 1,213 GPU nodes for the published runs).</param>
public sealed record OpenbCluster(string Name, IReadOnlyList<NodeSpec> Nodes)
{
    /// <summary>Number of GPUs in the cluster (6,212 for openb).</summary>
    public long TotalGpus { get; } = Nodes.Sum(n => (long)n.GpuCount);

    /// <summary>GPU capacity in milli-GPU.</summary>
    public long CapacityGpuMilli => TotalGpus * ClusterState.MilliPerGpu;
}
