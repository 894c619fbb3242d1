using Lepton.Client.Contracts;
using Lepton.Core.Prediction;
using Lepton.Server.Model;

namespace Lepton.Server.Insights;

/// <summary>The server's runtime predictor: a <see cref="RuntimePredictor"/> learned from the jobs that have succeeded,
/// shared by "when will it start?" (<see cref="JobEtaService"/>) and the scheduling loop's EASY reservations, so both rest
/// on the same predictions (as the simulator's do when it learns runtimes).</summary>
/// <remarks>Relearned from the finished jobs whenever their number has changed since the last question (so it follows the
/// history without a timer).</remarks>
internal sealed class RuntimeHistory(ControlPlane plane)
{
    private readonly Lock _gate = new();
    private RuntimePredictor _predictor = new();
    private int _learnedFrom = -1;

    /// <summary>The predictor, relearned from every succeeded job when their number changed. Takes the model lock.</summary>
    public RuntimePredictor Predictor()
    {
        lock (plane.Gate)
        {
            var finished = plane.Jobs.Values.Where(j => j.State == JobState.Succeeded).ToList();
            lock (_gate)
            {
                if (finished.Count == _learnedFrom)
                {
                    return _predictor;
                }
            }

            var predictor = new RuntimePredictor();
            foreach (var job in finished.OrderBy(j => j.Id))
            {
                var started = job.Events.LastOrDefault(e => e.Type == "Started")?.Time;
                var ended = job.Events.LastOrDefault(e => e.Type == "Succeeded")?.Time;
                if (started is { } s && ended is { } e && e > s)
                {
                    predictor.Observe(Features(job), e - s);
                }
            }

            lock (_gate)
            {
                _predictor = predictor;
                _learnedFrom = finished.Count;
                return predictor;
            }
        }
    }

    /// <summary>The features a job is predicted from.</summary>
    public static RuntimeFeatures Features(Job job) => new(job.Tenant, "", job.Name, string.Join(' ', job.Command),
        job.Requests.Sum(r => r.TotalGpuMilli), job.Replicas, job.Resources.GpuModels is { Count: > 0 } models ? models[0] : "", null);
}
