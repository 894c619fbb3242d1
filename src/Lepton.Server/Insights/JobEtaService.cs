using Lepton.Client.Contracts;
using Lepton.Core.Placement;
using Lepton.Core.Prediction;
using Lepton.Core.Queueing;
using Lepton.Server.Model;

namespace Lepton.Server.Insights;

/// <summary>"When will it start?": replays the live queue forward with Core's <see cref="QueueForecast"/> (the server's
/// policy, queue discipline and tenancy), with run times from a <see cref="RuntimePredictor"/> learned from the jobs that
/// have finished.</summary>
/// <remarks>The predictor is relearned from the finished jobs whenever their number has changed since the last question
/// (so it follows the history without a timer). Three forecasts give the range: every job at its predicted run time,
/// at the low edge of its band, at the high edge. A job with no history and no declared limit is taken to run one hour.
/// Another tenant's jobs are counted, never named.</remarks>
internal sealed class JobEtaService(ControlPlane plane, JobExplainer explainer, PlacementPolicy policy, QueueDiscipline discipline, RuntimeHistory history)
{
    private static readonly TimeSpan Unknown = TimeSpan.FromHours(1);

    /// <summary>The ETA of job <paramref name="id"/> as <paramref name="caller"/> may see it; null when it does not exist for them.</summary>
    public JobEtaView? Eta(Caller caller, long id)
    {
        lock (plane.Gate)
        {
            if (!plane.Jobs.TryGetValue(id, out var job) || !caller.MaySee(job.Tenant))
            {
                return null;
            }

            if (job.State != JobState.Pending)
            {
                return new JobEtaView
                {
                    JobId = id, State = job.State,
                    Summary = job.State is JobState.Scheduled or JobState.Running ? "It has started already." : $"It is {job.State}: it will not start again.",
                };
            }
        }

        return Forecast(caller, id, null);
    }

    /// <summary>The ETA of a job as if <paramref name="caller"/>'s tenant submitted <paramref name="job"/> now.</summary>
    public JobEtaView WhatIf(Caller caller, Job job) => Forecast(caller, 0, job);

    private JobEtaView Forecast(Caller caller, long id, Job? hypothetical)
    {
        var (snapshot, names) = explainer.TakeSnapshot();
        var predictor = history.Predictor();
        var now = plane.Time.GetUtcNow();
        var pending = new List<QueuedJob>();
        var bound = new List<BoundJob>();
        var predictions = new Dictionary<long, RuntimePrediction?>();
        var targetId = id;
        lock (plane.Gate)
        {
            foreach (var q in snapshot.Pending)
            {
                if (plane.Jobs.TryGetValue(q.Id, out var job))
                {
                    predictions[q.Id] = predictor.Predict(Features(job));
                    pending.Add(q with { Waited = now - job.QueuedAt });
                }
            }

            foreach (var b in snapshot.Bound)
            {
                if (plane.Jobs.TryGetValue(b.Id, out var job))
                {
                    predictions[b.Id] = predictor.Predict(Features(job));
                    var started = job.Events.LastOrDefault(e => e.Type is "Scheduled" or "Started")?.Time ?? now;
                    bound.Add(b with { Running = now - started });
                }
            }
        }

        if (hypothetical is not null)
        {
            // Ids of real jobs are positive: the what-if job cannot collide with one.
            targetId = -1;
            predictions[targetId] = predictor.Predict(Features(hypothetical));
            pending.Add(new QueuedJob(targetId, hypothetical.Tenant, hypothetical.Priority, long.MaxValue, hypothetical.Requests));
        }

        TimeSpan? Start(Func<RuntimePrediction?, TimeSpan> pick, out QueueEta eta)
        {
            var forecast = new QueueForecast(policy, new PlacementOptions())
            {
                Discipline = discipline,
                FairShare = snapshot.FairShare,
                Quotas = snapshot.Quotas,
                UnknownDuration = Unknown,
            };
            var queue = pending.Select(p => p with { Duration = pick(predictions.GetValueOrDefault(p.Id)) }).ToList();
            var running = bound.Select(b => b with { Remaining = Remaining(pick(predictions.GetValueOrDefault(b.Id)), b.Running) }).ToList();
            eta = forecast.Forecast(snapshot.Nodes, running, queue, targetId);
            return eta.StartsIn;
        }

        var expected = Start(p => p?.Expected ?? Unknown, out var main);
        var earliest = Start(p => p?.Low ?? Unknown, out _);
        var latest = Start(p => p?.High ?? Unknown, out _);
        var own = predictions.GetValueOrDefault(targetId);
        var tenant = hypothetical?.Tenant;
        lock (plane.Gate)
        {
            tenant ??= plane.Jobs[id].Tenant;
        }

        var mine = new HashSet<long>();
        lock (plane.Gate)
        {
            foreach (var jobId in main.StartsBefore.Concat(main.Preempts))
            {
                if (plane.Jobs.TryGetValue(jobId, out var j) && caller.MaySee(j.Tenant))
                {
                    mine.Add(jobId);
                }
            }
        }

        var view = new JobEtaView
        {
            JobId = id,
            State = JobState.Pending,
            ExpectedStart = expected is { } e ? now + e : null,
            EarliestStart = Min(earliest, expected, latest) is { } lo ? now + lo : null,
            LatestStart = Max(earliest, expected, latest) is { } hi ? now + hi : null,
            Nodes = [.. main.Placements.Select(p => names[p.Node])],
            WaitsBehind = [.. main.StartsBefore.Where(mine.Contains)],
            WaitsBehindOthers = main.StartsBefore.Count(j => !mine.Contains(j)),
            Preempts = [.. main.Preempts.Where(mine.Contains)],
            PreemptsOthers = main.Preempts.Count(j => !mine.Contains(j)),
            PredictedRuntimeSeconds = own?.Expected.TotalSeconds,
            RuntimeBasis = own?.Basis ?? "no history: 1 h assumed",
        };
        return view with { Summary = Summarise(view, now) };
    }

    private static string Summarise(JobEtaView v, DateTimeOffset now)
    {
        if (v.ExpectedStart is not { } at)
        {
            return "The forecast never starts it: it cannot fit on the current nodes (see lepton job explain).";
        }

        var inText = Span(at - now);
        var range = v.EarliestStart is { } lo && v.LatestStart is { } hi ? $" (range {Span(lo - now)} to {Span(hi - now)})" : "";
        var behind = v.WaitsBehind.Count + v.WaitsBehindOthers;
        var preempts = v.Preempts.Count + v.PreemptsOthers;
        return $"Expected to start {(at <= now ? "at the next scheduling cycle" : "in " + inText)}{range} on {string.Join(", ", v.Nodes)}"
            + (behind > 0 ? $", after {behind} queued job{(behind == 1 ? "" : "s")} start" : "")
            + (preempts > 0 ? $", preempting {preempts} running job{(preempts == 1 ? "" : "s")}" : "") + ".";
    }

    private static string Span(TimeSpan t) => t.TotalHours >= 1
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{t.TotalHours:0.#} h")
        : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Math.Max(0, t.TotalMinutes):0} min");

    private static TimeSpan? Min(params TimeSpan?[] values) => values.Where(v => v is not null).Min();

    private static TimeSpan? Max(params TimeSpan?[] values) => values.Where(v => v is not null).Max();

    private static TimeSpan Remaining(TimeSpan expected, TimeSpan elapsed) => RuntimePrediction.Remaining(expected, elapsed);

    private static RuntimeFeatures Features(Job job) => RuntimeHistory.Features(job);
}
