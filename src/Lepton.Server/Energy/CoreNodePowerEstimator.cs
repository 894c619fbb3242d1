using Lepton.Core.Cluster;
using Lepton.Core.Power;
using Lepton.Core.Resources;

namespace Lepton.Server.Energy;

/// <summary>Estimates a node's draw with Core's <see cref="PowerModel"/> (CPU sockets, per-GPU-model idle/max watts, the
/// node's declared idle/peak watts as the range when it gives them) — the same model <c>simulate</c> and the power-aware
/// policies use.</summary>
/// <remarks>The ledger knows a node's allocated total, not which GPUs hold it, so the allocated GPU milli is laid on whole
/// GPUs first (the fewest busy GPUs that hold it); a node whose shares are spread over more GPUs draws a little more than
/// estimated.</remarks>
internal sealed class CoreNodePowerEstimator(PowerModel model) : INodePowerEstimator
{
    /// <inheritdoc/>
    public double EstimateWatts(NodeSpec node, ResourceVector allocated)
    {
        ArgumentNullException.ThrowIfNull(node);
        // Resolving is a handful of arithmetic operations: cheaper than caching by a node record that changes as the node does.
        var profile = model.Resolve(node);

        var gpus = Math.Max(0, node.GpuCount);
        Span<int> free = gpus <= 64 ? stackalloc int[gpus] : new int[gpus];
        var left = Math.Max(0, allocated.GpuMilli);
        for (var i = 0; i < gpus; i++)
        {
            var used = (int)Math.Min(1000, left);
            free[i] = 1000 - used;
            left -= used;
        }

        return profile.Watts(node.CpuMilli, Math.Max(0, node.CpuMilli - allocated.CpuMilli), free);
    }
}
