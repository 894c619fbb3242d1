using Lepton.Core.Placement.Plugins.Fpga;
using Lepton.Core.Placement.Plugins.GpuFit;
using Lepton.Core.Placement.Plugins.GpuModel;
using Lepton.Core.Placement.Plugins.MaxPerNode;
using Lepton.Core.Placement.Plugins.Network;
using Lepton.Core.Placement.Plugins.NodeSelector;
using Lepton.Core.Placement.Plugins.NodeState;
using Lepton.Core.Placement.Plugins.Rdma;
using Lepton.Core.Placement.Plugins.ResourceFit;

namespace Lepton.Core.Placement.Framework;

/// <summary>The ordered filter chain every built-in policy uses: node state, CPU, memory, GPU model, GPU, FPGA, network, RDMA,
/// labels, replicas per node.</summary>
/// <remarks>
/// The first five are FGD-SPEC §3 (the pod-count limit of 1001 is never binding and left out); FPGA, network and
/// labels, RDMA and the per-node replica limit never reject anything in the openb data, so they leave the published numbers unchanged. The chain is a
/// struct whose members are structs, so the JIT inlines the whole check into the scan.
/// </remarks>
internal readonly struct StandardFilters : IFilterPlugin
{
    /// <summary>The same filters as objects, in order, for <see cref="PlacementEngine.Explain"/> (not on the hot path).</summary>
    public static readonly IFilterPlugin[] Ordered =
    [
        new NodeStateFilter(), new CpuFilter(), new MemoryFilter(), new GpuModelFilter(), new GpuFilter(),
        new FpgaFilter(), new NetworkFilter(), new RdmaFilter(), new NodeSelectorFilter(), new MaxPerNodeFilter(),
    ];

    public string Constraint => "all";

    public string Code => "Unschedulable";

    public bool Passes(PlacementContext context, int node, ref readonly TaskDemand task) =>
        default(NodeStateFilter).Passes(context, node, in task)
        && default(CpuFilter).Passes(context, node, in task)
        && default(MemoryFilter).Passes(context, node, in task)
        && default(GpuModelFilter).Passes(context, node, in task)
        && default(GpuFilter).Passes(context, node, in task)
        && default(FpgaFilter).Passes(context, node, in task)
        && default(NetworkFilter).Passes(context, node, in task)
        && default(RdmaFilter).Passes(context, node, in task)
        && default(NodeSelectorFilter).Passes(context, node, in task)
        && default(MaxPerNodeFilter).Passes(context, node, in task);

    public string Describe(ref readonly TaskDemand task, int passing, int considered) =>
        $"{passing} of {considered} nodes fit";
}
