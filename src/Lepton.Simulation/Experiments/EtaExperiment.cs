using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Prediction;
using Lepton.Core.Queueing;
using Lepton.Simulation.Jobs;

namespace Lepton.Simulation.Experiments;

/// <summary>ETA accuracy: replays a trace, and for (a sample of) the jobs asks a <see cref="QueueForecast"/> at the job's
/// arrival when it will start, with durations from the truth, from a predictor learning online, or from nothing
/// (every job assumed to run one hour, what a server without history knows); then compares with when it started.</summary>
/// <remarks>The forecast sees the queue and the running jobs at the arrival instant. Running jobs are re-placed by the
/// planner at the forecast's start (the replay keeps their nodes but not their GPU indexes); a running job that has
/// outlived its predicted run time is expected to run half as long again as it has so far.</remarks>
public static class EtaExperiment
{
    /// <summary>Runs the experiment for each duration source.</summary>
    public static IReadOnlyList<EtaScore> Run(IReadOnlyList<NodeSpec> nodes, IReadOnlyList<SimulatedJob> jobs, PlacementPolicy policy,
        QueueDiscipline discipline, int sampleEvery)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        var actual = JobSimulation.Run(nodes, jobs, policy, new JobSimulationOptions { Discipline = discipline });
        var order = Enumerable.Range(0, jobs.Count).OrderBy(i => jobs[i].Arrival).ThenBy(i => i).ToArray();
        var rank = new long[jobs.Count];
        for (var r = 0; r < order.Length; r++)
        {
            rank[order[r]] = r;
        }

        var results = new List<EtaScore>();
        foreach (var source in new[] { "true durations", "learned (online predictor)", "none (1 h each)" })
        {
            var predictor = new RuntimePredictor();
            var finishedOrder = Enumerable.Range(0, jobs.Count).Where(i => actual.Jobs[i].Finish is not null)
                .OrderBy(i => actual.Jobs[i].Finish!.Value).ToArray();
            var learned = 0;
            var errors = new List<double>();
            var forecast = new QueueForecast(policy, new PlacementOptions()) { Discipline = discipline };
            for (var r = 0; r < order.Length; r++)
            {
                var target = order[r];
                var at = jobs[target].Arrival;
                while (learned < finishedOrder.Length && actual.Jobs[finishedOrder[learned]].Finish!.Value <= at)
                {
                    var f = finishedOrder[learned++];
                    predictor.Observe(SimulatedRuntime.Features(jobs[f]), actual.Jobs[f].Finish!.Value - actual.Jobs[f].Start!.Value);
                }

                if (r % sampleEvery != 0 || actual.Jobs[target].Start is not { } started)
                {
                    continue;
                }

                var queue = new List<QueuedJob>();
                for (var i = 0; i < jobs.Count; i++)
                {
                    var o = actual.Jobs[i];
                    if (o.Start is { } s && s <= at && o.Finish is { } end && end > at && i != target)
                    {
                        // Running now: re-placed first (lowest sequence), for what remains of it.
                        var elapsed = at - s;
                        var remaining = source.StartsWith("true", StringComparison.Ordinal) ? end - at : SimulatedRuntime.Remaining(Expected(source, predictor, jobs[i]), elapsed);
                        queue.Add(new QueuedJob(i, jobs[i].Tenant, jobs[i].Priority, rank[i] - jobs.Count, jobs[i].Replicas, remaining));
                    }
                    else if (jobs[i].Arrival <= at && rank[i] <= rank[target] && (o.Start is null || o.Start > at || i == target))
                    {
                        var duration = source.StartsWith("true", StringComparison.Ordinal) ? (o.Finish - o.Start) ?? jobs[i].Duration : Expected(source, predictor, jobs[i]);
                        queue.Add(new QueuedJob(i, jobs[i].Tenant, jobs[i].Priority, rank[i], jobs[i].Replicas, duration));
                    }
                }

                var eta = forecast.Forecast(nodes, [], queue, target);
                if (eta.StartsIn is { } startsIn)
                {
                    errors.Add(Math.Abs((at + startsIn - started).TotalHours));
                }
            }

            errors.Sort();
            results.Add(new EtaScore(source, errors.Count, Quantile(errors, 0.5), Quantile(errors, 0.9)));
        }

        return results;
    }

    private static TimeSpan Expected(string source, RuntimePredictor predictor, SimulatedJob job) =>
        source.StartsWith("learned", StringComparison.Ordinal) && predictor.Predict(SimulatedRuntime.Features(job)) is { } p ? p.Expected : TimeSpan.FromHours(1);

    private static double Quantile(List<double> sorted, double q) => sorted.Count == 0 ? 0 : sorted[(int)Math.Min(sorted.Count - 1, Math.Floor(q * sorted.Count))];
}
