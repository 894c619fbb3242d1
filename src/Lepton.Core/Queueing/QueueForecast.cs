using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Resources;

namespace Lepton.Core.Queueing;

/// <summary>"When will it start?": replays a queue forward with the same planner and policy, running jobs ending after
/// their (predicted) remaining time and queued jobs running for their (predicted) duration, until a given job starts.</summary>
/// <remarks>Each step is one planner cycle at the current forecast instant, then the clock jumps to the next end of a
/// running job. Nothing arrives in a forecast (it answers for the queue as it is). A job with no duration is taken to run
/// <see cref="UnknownDuration"/>. The forecast never changes its inputs.</remarks>
public sealed class QueueForecast(PlacementPolicy policy, PlacementOptions options)
{
    /// <summary>The queue discipline (as the server's).</summary>
    public QueueDiscipline Discipline { get; init; } = QueueDiscipline.Default;

    /// <summary>Fair share terms; null: hard <see cref="Quotas"/>.</summary>
    public FairSharePolicy? FairShare { get; init; }

    /// <summary>Hard quotas (used when <see cref="FairShare"/> is null).</summary>
    public IReadOnlyDictionary<string, ResourceVector> Quotas { get; init; } = new Dictionary<string, ResourceVector>();

    /// <summary>Run time assumed for a job without a duration or remaining time.</summary>
    public TimeSpan UnknownDuration { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Most planner cycles one forecast may take.</summary>
    public int MaxSteps { get; init; } = 10_000;

    /// <summary>Forecasts when <paramref name="targetId"/> starts.</summary>
    /// <param name="nodes">The cluster.</param>
    /// <param name="bound">Every running job, with <see cref="BoundJob.Remaining"/>.</param>
    /// <param name="pending">The queue, the target included, with <see cref="QueuedJob.Duration"/>.</param>
    /// <param name="targetId">The job asked about.</param>
    public QueueEta Forecast(IReadOnlyList<NodeSpec> nodes, IReadOnlyList<BoundJob> bound, IReadOnlyList<QueuedJob> pending, long targetId)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(bound);
        ArgumentNullException.ThrowIfNull(pending);
        var planner = new QueuePlanner(policy, options) { Discipline = Discipline, ExplainWaiting = false };
        var cluster = new ClusterState(nodes);
        var usage = new Dictionary<string, ResourceVector>(StringComparer.Ordinal);
        var running = new List<(BoundJob Job, TimeSpan End, TimeSpan Duration)>();
        foreach (var job in bound)
        {
            foreach (var task in job.Tasks)
            {
                cluster.Allocate(task.Placement.Node, task.Request, task.Placement.Gpus);
            }

            usage[job.Tenant] = usage.GetValueOrDefault(job.Tenant) + Total(job.Tasks);
            running.Add((job, job.Remaining ?? UnknownDuration, job.Remaining ?? UnknownDuration));
        }

        var queue = new List<QueuedJob>(pending);
        var started = new List<long>();
        var preempts = new List<long>();
        var now = TimeSpan.Zero;
        for (var step = 0; step < MaxSteps; step++)
        {
            var victims = running.Select(r => r.Job with { Remaining = r.End - now, Running = now }).ToList();
            var plan = FairShare is { } fair
                ? planner.Plan(cluster, victims, queue, fair, usage)
                : planner.Plan(cluster, victims, queue, Quotas, usage);
            foreach (var eviction in plan.Evictions)
            {
                var index = running.FindIndex(r => r.Job.Id == eviction.JobId);
                var victim = running[index];
                running.RemoveAt(index);
                usage[victim.Job.Tenant] = usage.GetValueOrDefault(victim.Job.Tenant) - Total(victim.Job.Tasks);
                if (eviction.ForJobId == targetId)
                {
                    preempts.Add(victim.Job.Id);
                }

                // It queues again and, restarted, runs its whole duration.
                queue.Add(new QueuedJob(victim.Job.Id, victim.Job.Tenant, victim.Job.Priority, victim.Job.Sequence,
                    [.. victim.Job.Tasks.Select(t => t.Request)], victim.Duration));
            }

            foreach (var binding in plan.Bindings)
            {
                var job = queue.First(q => q.Id == binding.JobId);
                queue.Remove(job);
                if (job.Id == targetId)
                {
                    return new QueueEta(now, [.. binding.Placements], started, preempts, step + 1);
                }

                started.Add(job.Id);
                var tasks = job.Replicas.Select((r, i) => new BoundTask(r, binding.Placements[i])).ToList();
                var duration = job.Duration ?? UnknownDuration;
                running.Add((new BoundJob(job.Id, job.Tenant, job.Priority, job.Replicas.Count > 0 && job.Replicas[0].Preemptible, job.Sequence, tasks),
                    now + duration, duration));
                usage[job.Tenant] = usage.GetValueOrDefault(job.Tenant) + Total(tasks);
            }

            if (running.Count == 0)
            {
                break;   // nothing left to end: the target can never start on this cluster
            }

            var next = running.Min(r => r.End);
            var elapsed = next - now;
            now = next;
            for (var i = running.Count - 1; i >= 0; i--)
            {
                if (running[i].End <= now)
                {
                    foreach (var task in running[i].Job.Tasks)
                    {
                        cluster.Release(task.Placement.Node, task.Request, task.Placement.Gpus);
                    }

                    usage[running[i].Job.Tenant] = usage.GetValueOrDefault(running[i].Job.Tenant) - Total(running[i].Job.Tasks);
                    running.RemoveAt(i);
                }
            }

            // Waiting ages the queue (fair share's aging) as the forecast clock advances.
            for (var i = 0; i < queue.Count; i++)
            {
                queue[i] = queue[i] with { Waited = queue[i].Waited + elapsed };
            }
        }

        return new QueueEta(null, [], started, preempts, MaxSteps);
    }

    private static ResourceVector Total(IEnumerable<BoundTask> tasks)
    {
        var total = ResourceVector.Zero;
        foreach (var t in tasks)
        {
            total += t.Request.Request;
        }

        return total;
    }
}
