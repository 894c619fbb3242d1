using System.Diagnostics;
using Lepton.Client.Contracts;
using Lepton.Core.Cluster;
using Lepton.Core.Prediction;
using Lepton.Core.Queueing;
using Lepton.Core.Resources;
using Lepton.Server.Insights;
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

    /// <summary>The runtime predictor EASY backfill's reservations rest on (the one <c>job eta</c> uses); null: no
    /// durations, so a reservation waits behind running jobs of unknown length.</summary>
    public RuntimeHistory? Runtimes { get; init; }
    private readonly HashSet<long> _quarantined = [];
    private long _quarantineNodesVersion = -1;

    /// <remarks>The loop runs on a thread of its own and blocks while it waits (for a wake-up, for its plan to commit): a
    /// submission's time to be scheduled goes through it, and an async loop on the thread pool would wait behind the request
    /// work queued there under load.</remarks>
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(() => Run(stoppingToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(CancellationToken stoppingToken)
    {
        long lastVersion = -1;
        var lastTick = Stopwatch.GetTimestamp();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                plane.WaitForCycleRequest(tick, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (!plane.IsLeader())
            {
                // A follower of a shared store: the leader schedules.
                continue;
            }

            try
            {
                var ticked = Stopwatch.GetElapsedTime(lastTick) >= tick;
                if (ticked)
                {
                    lastTick = Stopwatch.GetTimestamp();
                    nodes.ExpireSilentNodesAsync().GetAwaiter().GetResult();
                }

                var version = plane.SchedulingVersion;
                if (version == lastVersion && !ticked)
                {
                    continue;
                }

                lastVersion = version;
                RunCycle();
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                log.LogError(e, "scheduling cycle failed");
            }
        }
    }

    /// <summary>One cycle: bring the mirror up to date, plan on it, commit the plan.</summary>
    /// <remarks>One bad item never stops the cycle for the rest: a bound task the mirror cannot hold is requeued with an
    /// event, a pending job that cannot be read is skipped, and a job that makes the planner throw is found by bisection,
    /// set aside with a reason, and the others are planned without it.</remarks>
    public void RunCycle()
    {
        var start = Stopwatch.GetTimestamp();
        var pending = new List<QueuedJob>();
        var tasks = new Dictionary<long, JobTasks>();
        List<BoundJob> victims;
        Dictionary<string, ResourceVector> quotas;
        FairSharePolicy? fair = null;
        Dictionary<long, string> misfits;
        // EASY reserves from the running jobs' remaining time and lets a job backfill when it ends in time: both come from
        // the learned predictions, as in the simulator and the ETA (relearning takes the model lock, so before it is held).
        var predictor = planner.NeedsAllBoundJobs ? Runtimes?.Predictor() : null;
        var now = plane.Time.GetUtcNow();
        lock (plane.ModelLock)
        {
            _mirror.Sync(plane);
            misfits = _mirror.TakeMisfits();
            if (plane.NodesVersion != _quarantineNodesVersion)
            {
                // The cluster changed: give set-aside jobs another chance.
                _quarantined.Clear();
                _quarantineNodesVersion = plane.NodesVersion;
            }

            foreach (var id in plane.PendingJobs)
            {
                if (_quarantined.Contains(id))
                {
                    continue;
                }

                try
                {
                    var job = plane.Jobs[id];
                    pending.Add(new QueuedJob(job.Id, job.Tenant, job.Priority, job.Id, job.Requests,
                        predictor?.Predict(RuntimeHistory.Features(job))?.Expected, now - job.QueuedAt));
                    tasks[job.Id] = new JobTasks(job.Tenant, job.Preemptible, [.. job.Tasks.Select(t => t.Id)], [.. job.Tasks.Select(t => t.Attempt)], job.Requests);
                }
                catch (Exception e) when (e is KeyNotFoundException or ArgumentException or InvalidOperationException or IndexOutOfRangeException)
                {
                    log.LogError(e, "pending job {Job} is inconsistent; skipped", id);
                    _quarantined.Add(id);
                }
            }

            victims = _mirror.Preemptible(plane, includeAll: planner.NeedsAllBoundJobs);
            if (predictor is not null)
            {
                for (var i = 0; i < victims.Count; i++)
                {
                    if (plane.Jobs.TryGetValue(victims[i].Id, out var running) && predictor.Predict(RuntimeHistory.Features(running)) is { } predicted)
                    {
                        victims[i] = victims[i] with { Remaining = RuntimePrediction.Remaining(predicted.Expected, victims[i].Running) };
                    }
                }
            }
            quotas = plane.Tenants.Values.Where(t => t.Quota is not null)
                .ToDictionary(t => t.Name, t => JobOperations.ToVector(t.Quota!), StringComparer.Ordinal);
            if (plane.FairShare)
            {
                fair = FairShareTerms.Policy(plane);
            }
        }

        if (misfits.Count > 0)
        {
            plane.MutateAsync(tx => RequeueMisfits(tx, misfits)).GetAwaiter().GetResult();
        }

        if (pending.Count == 0)
        {
            return;
        }

        Plan plan;
        try
        {
            plan = fair is not null
                ? planner.Plan(_mirror.Cluster, victims, pending, fair, _mirror.Usage)
                : planner.Plan(_mirror.Cluster, victims, pending, quotas, _mirror.Usage);
        }
        catch (Exception e)
        {
            _mirror.Invalidate();
            log.LogError(e, "planning {Count} pending jobs failed; looking for the job that makes it fail", pending.Count);
            var culprits = FindCulprits(pending, victims, quotas);
            if (culprits.Count > 0)
            {
                plane.MutateAsync(tx => SetAside(tx, culprits, e.Message), schedulingChange: true).GetAwaiter().GetResult();
            }

            return;
        }

        _mirror.Record(plan, tasks);
        var names = _mirror.Names;
        var registrations = _mirror.Registrations;
        plane.MutateAsync(tx => Apply(tx, plan, names, registrations), schedulingChange: plan.Evictions.Count > 0).GetAwaiter().GetResult();
        metrics.ObserveCycle(Stopwatch.GetElapsedTime(start).TotalSeconds);
    }

    /// <summary>Bisects <paramref name="pending"/> for the jobs the planner cannot plan, each probe on a freshly rebuilt mirror.</summary>
    /// <returns>The jobs that fail alone; empty when no single job is to blame (then nothing is set aside).</returns>
    private List<long> FindCulprits(List<QueuedJob> pending, List<BoundJob> victims, Dictionary<string, ResourceVector> quotas)
    {
        const int MaxProbes = 64;
        var culprits = new List<long>();
        var parts = new Stack<List<QueuedJob>>();
        parts.Push(pending);
        var probes = 0;
        while (parts.Count > 0 && probes < MaxProbes)
        {
            var part = parts.Pop();
            probes++;
            if (TryPlan(part, victims, quotas))
            {
                continue;
            }

            if (part.Count == 1)
            {
                culprits.Add(part[0].Id);
                continue;
            }

            parts.Push(part[(part.Count / 2)..]);
            parts.Push(part[..(part.Count / 2)]);
        }

        // Every job failing alone means the fault is elsewhere (a bound job, the cluster): blaming them all would stall the queue.
        return culprits.Count == pending.Count && pending.Count > 1 ? [] : culprits;
    }

    private bool TryPlan(List<QueuedJob> part, List<BoundJob> victims, Dictionary<string, ResourceVector> quotas)
    {
        lock (plane.ModelLock)
        {
            _mirror.Invalidate();
            _mirror.Sync(plane);
        }

        try
        {
            planner.Plan(_mirror.Cluster, victims, part, quotas, _mirror.Usage);
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return false;
        }
        finally
        {
            // A probe's plan is thrown away, so the mirror no longer matches the model.
            _mirror.Invalidate();
        }
    }

    private int SetAside(Persistence.IStoreTransaction tx, List<long> culprits, string error)
    {
        var now = plane.Time.GetUtcNow();
        foreach (var id in culprits)
        {
            _quarantined.Add(id);
            if (plane.Jobs.TryGetValue(id, out var job) && job.State == JobState.Pending)
            {
                job.Reason = new PendingReasonView
                {
                    Code = QueueReasonCodes.Unschedulable,
                    Message = $"set aside: the scheduler failed on this job ({error}); it is retried when the cluster changes",
                };
                tx.UpsertJob(job);
                tx.InsertEvent(job.Id, job.AddEvent(now, "SchedulerError", job.Reason.Message));
                log.LogError("job {Job} set aside: the planner fails on it: {Error}", id, error);
            }
        }

        return culprits.Count;
    }

    private int RequeueMisfits(Persistence.IStoreTransaction tx, Dictionary<long, string> misfits)
    {
        var now = plane.Time.GetUtcNow();
        var requeued = new HashSet<long>();
        foreach (var (taskId, why) in misfits)
        {
            if (!plane.Tasks.TryGetValue(taskId, out var task) || !task.IsBound || !plane.Jobs.TryGetValue(task.JobId, out var job)
                || job.IsTerminal || !requeued.Add(job.Id))
            {
                continue;
            }

            log.LogWarning("task {Task} of job {Job} no longer fits on node '{Node}' ({Why}); requeued", taskId, job.Id, task.Node, why);
            JobOperations.Requeue(tx, job, new PendingReasonView
            {
                Code = QueueReasonCodes.Queued,
                Message = $"requeued: replica {task.Replica} no longer fits on node '{task.Node}' ({why})",
            }, now, "NodeShrunk");
        }

        return requeued.Count;
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
            tx.InsertEvent(job.Id, job.AddEvent(now, "Scheduled", $"placed on {string.Join(", ", where)}"
                + (binding.Topology is { } topology ? $"; {topology}" : "")));
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
