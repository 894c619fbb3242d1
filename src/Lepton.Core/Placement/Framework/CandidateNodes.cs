namespace Lepton.Core.Placement.Framework;

/// <summary>Receives the nodes a pipeline should evaluate for one task.</summary>
internal interface ICandidateSink
{
    void Offer(PlacementContext context, int node, ref readonly TaskDemand task);
}

/// <summary>Which nodes a pipeline with its own comparison evaluates (the power pipelines, <c>fgd-nostrand</c>): every node,
/// or with node classes only each class's representative. <c>uniformByShape</c> says whether the pipeline's
/// keys follow node shape (power does unless a node overrides it; classes ignore such overrides).</summary>
/// <remarks><see cref="PlacementPipeline{TFilter, TScore}"/> keeps its own copy of this walk, inlined with its struct plugins.</remarks>
internal static class CandidateNodes
{
    /// <summary>Offers <paramref name="sink"/> each candidate node for <paramref name="task"/>. Generic over the sink so the
    /// hot path calls it without boxing or a delegate.</summary>
    public static void Visit<TSink>(TSink sink, PlacementContext context, ref readonly TaskDemand task, bool everyNode, bool uniformByShape)
        where TSink : ICandidateSink
    {
        var classes = context.Classes;
        if (everyNode || classes is null || !uniformByShape
            || (task.MaxPerNode > 0 && context.Cluster.AnyNodeAtLimit(task.Group, task.MaxPerNode)))
        {
            for (var i = 0; i < context.Cluster.NodeCount; i++)
            {
                sink.Offer(context, i, in task);
            }

            return;
        }

        classes.Sync();
        var cpuOnly = !task.NeedsGpu;
        var active = cpuOnly ? classes.Active : classes.WithFreeGpu;
        var count = cpuOnly ? classes.ActiveCount : classes.WithFreeGpuCount;
        for (var a = 0; a < count; a++)
        {
            sink.Offer(context, classes.Representative(active[a]), in task);
        }
    }
}
