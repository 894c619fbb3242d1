using Lepton.Core.Placement.Framework;

namespace Lepton.Core.Placement.Plugins.GpuModel;

/// <summary>A GPU task may only go to a node with GPUs of an allowed model (FGD-SPEC §1.2 <c>accessible</c>, §3.3).</summary>
/// <remarks>Checked only for tasks that need a GPU: a CPU-only task ignores its model list, as in the paper's simulator.</remarks>
internal readonly struct GpuModelFilter : IFilterPlugin
{
    public string Constraint => "gpu-model";

    public string Code => "GpuModelNotAllowed";

    public bool Passes(PlacementContext context, int node, ref readonly TaskDemand task)
    {
        if (!task.NeedsGpu)
        {
            return true;
        }

        var model = context.Cluster.ModelId[node];
        return model >= 0 && (task.AnyModel || context.ModelAllowed[model]);
    }

    public string Describe(ref readonly TaskDemand task, int passing, int considered) =>
        task.AnyModel
            ? $"gpu-model: {passing} of {considered} nodes have GPUs"
            : $"gpu-model: {passing} of {considered} nodes have GPUs of model {string.Join(" or ", task.Task.GpuModels.Distinct(StringComparer.Ordinal))}";
}
