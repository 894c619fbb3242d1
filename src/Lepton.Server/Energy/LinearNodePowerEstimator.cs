using Lepton.Core.Cluster;
using Lepton.Core.Resources;

namespace Lepton.Server.Energy;

/// <summary>The simplest power model: idle watts plus the span to peak watts times the node's busiest allocated share
/// (CPU or GPU, whichever is larger).</summary>
/// <remarks>The server uses <see cref="CoreNodePowerEstimator"/>; this one keeps test figures round. A node that declares no watts draws 0 and a peak below idle is read as idle.</remarks>
internal sealed class LinearNodePowerEstimator : INodePowerEstimator
{
    /// <inheritdoc/>
    public double EstimateWatts(NodeSpec node, ResourceVector allocated)
    {
        ArgumentNullException.ThrowIfNull(node);
        var idle = node.IdleWatts;
        var peak = Math.Max(node.PeakWatts, idle);
        return idle + (peak - idle) * AllocatedShare(node, allocated);
    }

    /// <summary>The busiest share (0..1) of the node's CPU or GPU that <paramref name="allocated"/> holds.</summary>
    public static double AllocatedShare(NodeSpec node, ResourceVector allocated)
    {
        ArgumentNullException.ThrowIfNull(node);
        var capacity = node.Capacity;
        var cpu = capacity.CpuMilli > 0 ? (double)allocated.CpuMilli / capacity.CpuMilli : 0;
        var gpu = capacity.GpuMilli > 0 ? (double)allocated.GpuMilli / capacity.GpuMilli : 0;
        return Math.Clamp(Math.Max(cpu, gpu), 0, 1);
    }
}
