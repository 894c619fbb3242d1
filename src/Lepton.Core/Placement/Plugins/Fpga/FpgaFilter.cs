using Lepton.Core.Placement.Framework;

namespace Lepton.Core.Placement.Plugins.Fpga;

/// <summary>The node has the task's FPGAs free.</summary>
internal readonly struct FpgaFilter : IFilterPlugin
{
    public string Constraint => "fpga";

    public string Code => "InsufficientFpga";

    public bool Passes(PlacementContext context, int node, ref readonly TaskDemand task) =>
        task.Fpga == 0 || context.Cluster.FpgaUsed[node] + task.Fpga <= context.Cluster.FpgaCap[node];

    public string Describe(ref readonly TaskDemand task, int passing, int considered) =>
        $"fpga: {passing} of {considered} nodes have {task.Fpga} FPGA(s) free";
}
