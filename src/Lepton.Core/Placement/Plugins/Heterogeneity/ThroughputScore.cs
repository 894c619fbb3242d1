using Lepton.Core.Placement.Framework;
using Lepton.Core.Placement.Plugins.BestFit;

namespace Lepton.Core.Placement.Plugins.Heterogeneity;

/// <summary>Gavel-style heterogeneity awareness: prefers the GPU model on which the task runs fastest per GPU, then best fit.</summary>
/// <remarks>
/// <para>The task's <see cref="Workloads.TaskRequest.GpuModelThroughput"/> table gives its throughput on each model;
/// the score is <c>round(1000 · throughput(model) / best throughput)</c> · 4096 + the BestFit score, so the model
/// decides and BestFit (range well inside ±2048) only breaks ties among nodes of equally fast models. A task without
/// a table, or a CPU-only task, scores 0 on the first term everywhere and is placed exactly as by <c>bestfit</c>.</para>
/// <para>This is the greedy, one-task-at-a-time analogue of Gavel's policies, which instead solve an LP over all jobs
/// and time-share GPUs between rounds; it ranks models the same way for a job on its own.</para>
/// </remarks>
internal readonly struct ThroughputScore : IScorePlugin
{
    /// <summary>Weight of the model term over the BestFit tie-break.</summary>
    public const int ModelWeight = 4096;

    public void Prepare(PlacementContext context, ref readonly TaskDemand task)
    {
    }

    public int Score(PlacementContext context, int node, ref readonly TaskDemand task)
    {
        var fit = default(BestFitScore).Score(context, node, in task);
        if (!task.HasThroughput || !task.NeedsGpu || context.BestThroughput <= 0)
        {
            return fit;
        }

        var model = context.Cluster.ModelId[node];
        var relative = model < 0 ? 0 : context.ModelThroughput[model] / context.BestThroughput;
        return (int)Math.Round(relative * 1000) * ModelWeight + fit;
    }
}
