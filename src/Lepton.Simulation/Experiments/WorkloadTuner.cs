using Lepton.Core.Workloads;

namespace Lepton.Simulation.Experiments;

/// <summary>Inflates or deflates a shuffled pod list until its GPU request reaches <c>tune</c> × cluster GPU capacity.</summary>
/// <remarks>
/// FGD-SPEC §2.3, including its quirk. Tune up (total below target): draw pods with replacement from the original
/// list sorted by name and append copies named <c>NAME-tuned-i</c> after the shuffled originals; stop at the first
/// draw whose <em>per-GPU</em> milli <c>g</c> (not <c>n·g</c>) would push the total past the target, so the result
/// may overshoot by up to 7,000 milli. Tune down (total above target): remove uniformly random pods, CPU-only ones
/// included, until the total is at most the target. The caller's <see cref="Random"/> must already have made the
/// shuffle draws, so the draw order is shuffle → tuning → node ranks.
/// </remarks>
public static class WorkloadTuner
{
    /// <summary>Tunes <paramref name="shuffled"/> in place.</summary>
    /// <param name="shuffled">The pods in run order; tuned-up copies are appended, tuned-down pods removed.</param>
    /// <param name="sortedOriginal">The original pods sorted by name: the sampling pool for tuning up.</param>
    /// <param name="capacityGpuMilli">Cluster GPU capacity in milli-GPU.</param>
    /// <param name="tune">Target ratio of GPU request to capacity (1.3 in the published runs).</param>
    /// <param name="random">The run's random stream.</param>
    public static void Tune(List<TaskRequest> shuffled, IReadOnlyList<TaskRequest> sortedOriginal, long capacityGpuMilli, double tune, Random random)
    {
        ArgumentNullException.ThrowIfNull(shuffled);
        ArgumentNullException.ThrowIfNull(sortedOriginal);
        ArgumentNullException.ThrowIfNull(random);
        long podTotal = 0;
        foreach (var pod in shuffled)
        {
            podTotal += pod.TotalGpuMilli;
        }

        var target = tune * capacityGpuMilli;
        if (podTotal < target)
        {
            if (sortedOriginal.Count == 0)
            {
                return;
            }

            for (var i = 0; ; i++)
            {
                var sample = sortedOriginal[random.Next(sortedOriginal.Count)];

                // (quirk) The stop test adds the per-GPU milli, the running total the full n·g.
                if (podTotal + sample.GpuMilliPerGpu > target)
                {
                    break;
                }

                podTotal += sample.TotalGpuMilli;
                shuffled.Add(sample with { Name = $"{sample.Name}-tuned-{i}" });
            }
        }
        else if (podTotal > target)
        {
            while (podTotal > target && shuffled.Count > 0)
            {
                var k = random.Next(shuffled.Count);
                podTotal -= shuffled[k].TotalGpuMilli;
                shuffled.RemoveAt(k);
            }
        }
    }
}
