using System.Diagnostics;
using Lepton.Client.Contracts;
using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Queueing;
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

    /// <summary>One cycle: snapshot, plan, commit.</summary>
    public async Task RunCycleAsync()
    {
        var start = Stopwatch.GetTimestamp();
        var (snapshot, nodeNames, registrations) = TakeSnapshot();
        if (snapshot.Pending.Count == 0)
        {
            return;
        }

        var plan = planner.Plan(snapshot);
        await plane.MutateAsync(tx => Apply(tx, plan, nodeNames, registrations), schedulingChange: plan.Evictions.Count > 0);
        metrics.ObserveCycle(Stopwatch.GetElapsedTime(start).TotalSeconds);
    }

    private (QueueSnapshot, string[], Lepton.Client.Contracts.NodeRegistration[]) TakeSnapshot()
    {
        lock (plane.Gate)
        {
            var nodeList = plane.Nodes.Values.OrderBy(n => n.Name, StringComparer.Ordinal).ToArray();
            var specs = new NodeSpec[nodeList.Length];
            var names = new string[nodeList.Length];
            var registrations = new NodeRegistration[nodeList.Length];
            var index = new Dictionary<string, int>(nodeList.Length, StringComparer.Ordinal);
            for (var i = 0; i < nodeList.Length; i++)
            {
                specs[i] = nodeList[i].ToSpec();
                names[i] = nodeList[i].Name;
                registrations[i] = nodeList[i].Registration;
                index[names[i]] = i;
            }

            var bound = new List<BoundJob>();
            var pending = new List<QueuedJob>();
            foreach (var job in plane.Jobs.Values)
            {
                if (job.State == JobState.Pending)
                {
                    pending.Add(new QueuedJob(job.Id, job.Tenant, job.Priority, job.Id, job.Requests));
                }
                else if (job.State is JobState.Scheduled or JobState.Running)
                {
                    var tasks = new List<BoundTask>(job.Tasks.Count);
                    foreach (var task in job.Tasks)
                    {
                        if (task.IsBound && task.Node is { } n && index.TryGetValue(n, out var i))
                        {
                            var gpus = GpuSet.Empty;
                            foreach (var device in task.Gpus)
                            {
                                var ordinal = NodeOperations.IndexOfGpu(registrations[i], device);
                                if (ordinal >= 0)
                                {
                                    gpus = gpus.With(ordinal);
                                }
                            }

                            tasks.Add(new BoundTask(job.Requests[task.Replica], new NodePlacement(i, gpus)));
                        }
                    }

                    bound.Add(new BoundJob(job.Id, job.Tenant, job.Priority, job.Preemptible, job.Id, tasks));
                }
            }

            var quotas = plane.Tenants.Values.Where(t => t.Quota is not null)
                .ToDictionary(t => t.Name, t => JobOperations.ToVector(t.Quota!), StringComparer.Ordinal);
            return (new QueueSnapshot(specs, bound, pending, quotas), names, registrations);
        }
    }

    private int Apply(Persistence.IStoreTransaction tx, Plan plan, string[] nodeNames, NodeRegistration[] registrations)
    {
        var now = plane.Time.GetUtcNow();
        foreach (var eviction in plan.Evictions)
        {
            if (plane.Jobs.TryGetValue(eviction.JobId, out var victim) && victim.State is JobState.Scheduled or JobState.Running)
            {
                JobOperations.Requeue(tx, victim, View(eviction.Reason), now, "Preempted");
                metrics.Preemptions++;
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
                    && node.State == NodeState.Ready && ReferenceEquals(node.Registration, registrations[p.Node]);
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
