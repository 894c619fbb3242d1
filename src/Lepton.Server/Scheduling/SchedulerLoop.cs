using System.Diagnostics;
using Lepton.Client.Contracts;
using Lepton.Core.Cluster;
using Lepton.Core.Queueing;
using Lepton.Core.Resources;
using Lepton.Server.Model;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Lepton.Server.Scheduling;

/// <summary>The scheduling loop: woken by submissions, node changes and a timer, it snapshots the model, asks the core's
/// <see cref="QueuePlanner"/> for a plan and commits the plan in one transaction.</summary>
/// <remarks>
/// Planning runs outside the model lock on an immutable snapshot; applying re-checks each decision against the model as it
/// is by then (a job cancelled or a node drained in between is skipped and reconsidered next cycle).
/// </remarks>
internal sealed class SchedulerLoop(ControlPlane plane, NodeOperations nodes, QueuePlanner planner, SchedulingMetrics metrics,
    TimeSpan tick, ILogger<SchedulerLoop> log) : BackgroundService
{
    private readonly ClusterMirror _mirror = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        long lastVersion = -1;
        var lastTick = Stopwatch.GetTimestamp();
        while (!stoppingToken.IsCancellationRequested)
        {
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken))
            {
                timeout.CancelAfter(tick);
                try
                {
                    await plane.Wake.ReadAsync(timeout.Token);
                }
                catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                {
                    // Timer tick.
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            try
            {
                var ticked = Stopwatch.GetElapsedTime(lastTick) >= tick;
                if (ticked)
                {
                    lastTick = Stopwatch.GetTimestamp();
                    await nodes.ExpireSilentNodesAsync();
                }

                var version = plane.SchedulingVersion;
                if (version == lastVersion && !ticked)
                {
                    continue;
                }

                lastVersion = version;
                await RunCycleAsync();
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                log.LogError(e, "scheduling cycle failed");
            }
        }
    }

    /// <summary>One cycle: bring the mirror up to date, plan on it, commit the plan.</summary>
    public async Task RunCycleAsync()
    {
        var start = Stopwatch.GetTimestamp();
        var pending = new List<QueuedJob>();
        var tasks = new Dictionary<long, JobTasks>();
        List<BoundJob> victims;
        Dictionary<string, ResourceVector> quotas;
        lock (plane.Gate)
        {
            _mirror.Sync(plane);
            foreach (var id in plane.PendingJobs)
            {
                var job = plane.Jobs[id];
                pending.Add(new QueuedJob(job.Id, job.Tenant, job.Priority, job.Id, job.Requests));
                tasks[job.Id] = new JobTasks(job.Tenant, job.Preemptible, [.. job.Tasks.Select(t => t.Id)], [.. job.Tasks.Select(t => t.Attempt)], job.Requests);
            }

            if (pending.Count == 0)
            {
                return;
            }

            victims = _mirror.Preemptible(plane);
            quotas = plane.Tenants.Values.Where(t => t.Quota is not null)
                .ToDictionary(t => t.Name, t => JobOperations.ToVector(t.Quota!), StringComparer.Ordinal);
        }

        Plan plan;
        try
        {
            plan = planner.Plan(_mirror.Cluster, victims, pending, quotas, _mirror.Usage);
        }
        catch
        {
            _mirror.Invalidate();
            throw;
        }

        _mirror.Record(plan, tasks);
        var names = _mirror.Names;
        var registrations = _mirror.Registrations;
        await plane.MutateAsync(tx => Apply(tx, plan, names, registrations), schedulingChange: plan.Evictions.Count > 0);
        metrics.ObserveCycle(Stopwatch.GetElapsedTime(start).TotalSeconds);
    }

    private int Apply(Persistence.IStoreTransaction tx, Plan plan, string[] nodeNames, NodeRegistration[] registrations)
    {
        var now = plane.Time.GetUtcNow();
        foreach (var eviction in plan.Evictions)
        {
            if (plane.Jobs.TryGetValue(eviction.JobId, out var victim) && victim.State is JobState.Scheduled or JobState.Running)
            {
                JobOperations.Requeue(tx, victim, View(eviction.Reason), now, "Preempted");
                metrics.AddPreemptions(1);
            }
        }

        var bound = 0;
        foreach (var binding in plan.Bindings)
        {
            if (!plane.Jobs.TryGetValue(binding.JobId, out var job) || job.State != JobState.Pending)
            {
                continue;
            }

            var stillValid = true;
            foreach (var p in binding.Placements)
            {
                stillValid &= plane.Nodes.TryGetValue(nodeNames[p.Node], out var node)
                    && node.EffectiveState == NodeState.Ready && ReferenceEquals(node.Registration, registrations[p.Node]);
            }

            if (!stillValid)
            {
                continue;
            }

            var where = new List<string>();
            for (var i = 0; i < binding.Placements.Count; i++)
            {
                var p = binding.Placements[i];
                var task = job.Tasks[i];
                var devices = registrations[p.Node].Gpus;
                task.State = TaskState.Scheduled;
                task.Node = nodeNames[p.Node];
                task.Gpus = [.. p.Gpus.ToArray().Select(ordinal => devices[ordinal].Index)];
                tx.UpsertTask(task);
                where.Add(task.Gpus.Length > 0 ? $"{task.Node} (GPU {string.Join(',', task.Gpus)})" : task.Node);
            }

            job.State = JobState.Scheduled;
            job.Reason = null;
            tx.UpsertJob(job);
            tx.InsertEvent(job.Id, job.AddEvent(now, "Scheduled", $"placed on {string.Join(", ", where)}"));
            metrics.ObserveQueueWait((now - job.QueuedAt).TotalSeconds);
            bound++;
        }

        foreach (var (jobId, reason) in plan.Waiting)
        {
            if (plane.Jobs.TryGetValue(jobId, out var job) && job.State == JobState.Pending
                && (job.Reason is null || job.Reason.Code != reason.Code || job.Reason.Message != reason.Message))
            {
                job.Reason = View(reason);
                tx.UpsertJob(job);
            }
        }

        return bound;
    }

    private static PendingReasonView View(QueueReason reason) => new()
    {
        Code = reason.Code,
        Message = reason.Message,
        Rejections = [.. reason.Rejections.Select(r => new RejectionView
        {
            Constraint = r.Constraint, NodesRuledOut = r.NodesRuledOut, NodesConsidered = r.NodesConsidered, Message = r.Message,
        })],
    };
}
