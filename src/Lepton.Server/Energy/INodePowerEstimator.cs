using Lepton.Core.Cluster;
using Lepton.Core.Resources;

namespace Lepton.Server.Energy;

/// <summary>Estimates a node's power draw in watts from what is allocated on it, for nodes whose agent measures none.</summary>
/// <remarks>The seam for Core's power model (CPU sockets and per-GPU-model idle/max watts): the server uses
/// <see cref="LinearNodePowerEstimator"/> until an adapter over that model replaces it in <see cref="LeptonServer"/>.</remarks>
internal interface INodePowerEstimator
{
    /// <summary>Watts drawn by <paramref name="node"/> while <paramref name="allocated"/> of its capacity runs work.</summary>
    double EstimateWatts(NodeSpec node, ResourceVector allocated);
}
