using Lepton.Core.Cluster;
using Lepton.Core.Resources;

namespace Lepton.Server.Energy;

/// <summary>Estimates a node's power draw in watts from what is allocated on it, for nodes whose agent measures none.</summary>
/// <remarks>The server uses <see cref="CoreNodePowerEstimator"/> (Core's power model: CPU sockets and per-GPU-model idle/max
/// watts); <see cref="LinearNodePowerEstimator"/> is the simplest model, kept for tests that need round figures.</remarks>
internal interface INodePowerEstimator
{
    /// <summary>Watts drawn by <paramref name="node"/> while <paramref name="allocated"/> of its capacity runs work.</summary>
    double EstimateWatts(NodeSpec node, ResourceVector allocated);
}
