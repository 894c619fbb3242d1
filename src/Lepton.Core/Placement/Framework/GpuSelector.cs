using Lepton.Core.Placement.Plugins.Fgd;

namespace Lepton.Core.Placement.Framework;

/// <summary>Picks the GPU(s) on the chosen node by a <see cref="GpuSelectionRule"/> (FGD-SPEC §4, §5.4).</summary>
internal static class GpuSelector
{
    /// <summary>
    /// The first <paramref name="n"/> GPUs, visiting GPUs in ascending order of free milli (stable: index order on
    /// ties), that have at least <paramref name="g"/> free. For whole GPUs these are the lowest-index fully free GPUs.
    /// Returns fewer than n GPUs when the node cannot hold the task.
    /// </summary>
    public static GpuSet AscendingFit(ReadOnlySpan<int> free, int n, int g, GpuSet exclude)
    {
        var set = exclude;
        var taken = 0;
        var last = -1;
        while (taken < n)
        {
            var next = int.MaxValue;
            foreach (var f in free)
            {
                if (f > last && f < next)
                {
                    next = f;
                }
            }

            if (next == int.MaxValue)
            {
                break;
            }

            if (next >= g)
            {
                for (var j = 0; j < free.Length && taken < n; j++)
                {
                    if (free[j] == next)
                    {
                        set = set.With(j);
                        taken++;
                    }
                }
            }

            last = next;
        }

        return new GpuSet(set.Mask & ~exclude.Mask);
    }

    /// <summary>The GPUs for <paramref name="task"/> on <paramref name="node"/>; empty for a task without GPU.</summary>
    public static GpuSet Select(GpuSelectionRule rule, PlacementContext context, FgdModel? fgd, int node, ref readonly TaskDemand task)
    {
        if (!task.NeedsGpu)
        {
            return GpuSet.Empty;
        }

        var free = context.Cluster.GpuFreeSpan(node);
        if (!task.IsShare)
        {
            return AscendingFit(free, task.N, task.G, GpuSet.Empty);
        }

        var g = task.G;
        switch (rule)
        {
            case GpuSelectionRule.FragmentationGradient when fgd is not null:
                return GpuSet.Empty.With(fgd.SelectShareGpu(node, in task));
            case GpuSelectionRule.PowerFragmentation when fgd is not null && context.Power is { } power && context.PowerWattsPerGpu > 0:
                Plugins.Power.PowerPipeline.Cost(power, fgd, context.PowerWattsPerGpu, node, in task, out var powerGpu);
                return GpuSet.Empty.With(powerGpu);
            case GpuSelectionRule.LeastPower:
                return GpuSet.Empty.With(Plugins.Power.PwrScore.SelectShareGpu(free, g));
            case GpuSelectionRule.Random:
            {
                var fitting = 0;
                foreach (var f in free)
                {
                    fitting += f >= g ? 1 : 0;
                }

                var pick = context.Random.Next(fitting);
                for (var j = 0; j < free.Length; j++)
                {
                    if (free[j] >= g && pick-- == 0)
                    {
                        return GpuSet.Empty.With(j);
                    }
                }

                break;
            }

            case GpuSelectionRule.MostFree:
            {
                var best = -1;
                for (var j = 0; j < free.Length; j++)
                {
                    if (free[j] >= g && (best < 0 || free[j] > free[best]))
                    {
                        best = j;
                    }
                }

                return best < 0 ? GpuSet.Empty : GpuSet.Empty.With(best);
            }
        }

        // Best: the tightest fit; a fully free GPU only when no partly used GPU fits.
        var tightest = -1;
        for (var j = 0; j < free.Length; j++)
        {
            if (free[j] >= g && (tightest < 0 || free[j] < free[tightest]))
            {
                tightest = j;
            }
        }

        return tightest < 0 ? GpuSet.Empty : GpuSet.Empty.With(tightest);
    }
}
