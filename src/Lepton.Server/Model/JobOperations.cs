using Lepton.Client.Contracts;
using Lepton.Core.Queueing;
using Lepton.Core.Resources;
using Lepton.Server.Apis;
using Lepton.Server.Persistence;

namespace Lepton.Server.Model;

/// <summary>What callers can do to jobs and tasks: submit, read, cancel, and the agents' start/exit reports.</summary>
internal sealed class JobOperations(ControlPlane plane)
{
    /// <summary>Accepts a job; completes once it is durable.</summary>
    /// <exception cref="ApiException">400 for a bad field, 422 when the job exceeds its tenant's whole quota.</exception>
    public Task<JobView> SubmitAsync(string tenant, JobSubmission submission)
    {
        JobSubmissionValidator.Validate(submission);
        return plane.MutateAsync(tx =>
        {
            if (!plane.Tenants.TryGetValue(tenant, out var owner))
            {
                throw new ApiException(403, "Forbidden", $"tenant '{tenant}' does not exist");
            }

            var now = plane.Time.GetUtcNow();
            var job = new Job
            {
                Id = plane.NewJobId(),
                Tenant = tenant,
                Name = submission.Name,
                Priority = submission.Priority,
                Preemptible = submission.Preemptible,
                Replicas = submission.Replicas,
                Resources = submission.Resources,
                Command = submission.Command,
                Env = submission.Env,
                MaxRetries = submission.MaxRetries,
                CreatedAt = now,
                QueuedAt = now,
                State = JobState.Pending,
                Reason = new PendingReasonView { Code = QueueReasonCodes.Queued, Message = "accepted; waiting for the next scheduling cycle" },
            };
            if (owner.Quota is { } quota)
            {
                var total = ResourceVector.Zero;
                foreach (var r in job.Requests)
                {
                    total += r.Request;
                }

                if (!total.FitsIn(ToVector(quota)))
                {
                    throw new ApiException(422, "Exceeds quota",
                        $"the job needs {total} in total, more than tenant '{tenant}''s whole quota {ToVector(quota)}", "resources");
                }
            }

            for (var i = 0; i < job.Replicas; i++)
            {
                var task = new JobTask { Id = plane.NewTaskId(), JobId = job.Id, Replica = i, State = TaskState.Pending };
                job.Tasks.Add(task);
                plane.Tasks[task.Id] = task;
                tx.UpsertTask(task);
            }

            plane.Jobs[job.Id] = job;
            tx.UpsertJob(job);
            tx.InsertEvent(job.Id, job.AddEvent(now, "Submitted", $"submitted by tenant '{tenant}' with priority {job.Priority}"));
            return job.ToView();
        });
    }

    /// <summary>The job if the caller may see it (its tenant's, or any for the admin); null otherwise.</summary>
    public JobView? Get(Caller caller, long id)
    {
        lock (plane.Gate)
        {
            return plane.Jobs.TryGetValue(id, out var job) && caller.MaySee(job.Tenant) ? job.ToView() : null;
        }
    }

    /// <summary>The jobs the caller may see, oldest first, optionally in one state.</summary>
    public List<JobView> List(Caller caller, JobState? state)
    {
        var result = new List<JobView>();
        lock (plane.Gate)
        {
            foreach (var job in plane.Jobs.Values)
            {
                if ((state is null || job.State == state) && caller.MaySee(job.Tenant))
                {
                    result.Add(job.ToView());
                }
            }
        }

        return result;
    }

    /// <summary>Cancels a job: its bound tasks are released and their agents told to kill them.</summary>
    public Task<JobView> CancelAsync(Caller caller, long id) => plane.MutateAsync(tx =>
    {
        if (!plane.Jobs.TryGetValue(id, out var job) || !caller.MaySee(job.Tenant))
        {
            throw ApiException.NotFound($"job {id}");
        }

        if (job.IsTerminal)
        {
            throw new ApiException(409, "Conflict", $"job {id} is already {job.State}");
        }

        var now = plane.Time.GetUtcNow();
        foreach (var task in job.Tasks)
        {
            if (task.State is not (TaskState.Succeeded or TaskState.Failed))
            {
                task.State = TaskState.Cancelled;
                tx.UpsertTask(task);
            }
        }

        job.State = JobState.Cancelled;
        job.Reason = null;
        tx.UpsertJob(job);
        tx.InsertEvent(job.Id, job.AddEvent(now, "Cancelled", $"cancelled by {caller.Describe()}"));
        return job.ToView();
    });

    /// <summary>An agent reports a task attempt started, exited, or released (the agent is stopping). Reports about stale attempts are ignored.</summary>
    public Task<bool> ReportAsync(string node, long taskId, TaskStatusReport report) => plane.MutateAsync(tx =>
    {
        if (report.Status is not ("Started" or "Exited" or "Released"))
        {
            throw ApiException.BadField("status", "must be Started, Exited or Released");
        }

        if (report.Status == "Exited" && report.ExitCode is null)
        {
            throw ApiException.BadField("exitCode", "is required when status is Exited");
        }

        if (!plane.Tasks.TryGetValue(taskId, out var task))
        {
            throw ApiException.NotFound($"task {taskId}");
        }

        var job = plane.Jobs[task.JobId];
        if (task.Node != node || task.Attempt != report.Attempt || !task.IsBound)
        {
            // A report about an attempt the server has since requeued, moved or ended: nothing to do.
            return false;
        }

        var now = plane.Time.GetUtcNow();
        if (report.Status == "Released")
        {
            ReleaseNode(tx, node, now);
            return true;
        }

        if (report.Status == "Started")
        {
            if (task.State == TaskState.Scheduled)
            {
                task.State = TaskState.Running;
                tx.UpsertTask(task);
                tx.InsertEvent(job.Id, job.AddEvent(now, "Started", $"replica {task.Replica} started on node '{node}'"));
                if (job.State == JobState.Scheduled && job.Tasks.All(t => t.State is TaskState.Running or TaskState.Succeeded))
                {
                    job.State = JobState.Running;
                    tx.UpsertJob(job);
                }
            }

            return true;
        }

        var code = report.ExitCode!.Value;
        task.ExitCode = code;
        var detail = string.IsNullOrEmpty(report.Message) ? "" : $": {report.Message}";
        tx.InsertEvent(job.Id, job.AddEvent(now, "Exited", $"replica {task.Replica} exited with code {code} on node '{node}'{detail}"));
        if (code == 0)
        {
            task.State = TaskState.Succeeded;
            tx.UpsertTask(task);
            if (job.Tasks.All(t => t.State == TaskState.Succeeded))
            {
                job.State = JobState.Succeeded;
                job.ExitCode = 0;
                job.Reason = null;
                tx.UpsertJob(job);
                tx.InsertEvent(job.Id, job.AddEvent(now, "Succeeded", "every replica exited 0"));
            }

            return true;
        }

        Fail(tx, job, $"replica {task.Replica} exited with code {code}{detail}", code, now);
        return true;
    });

    /// <summary>A node's agent is stopping cleanly and hands its work back: the node is marked Down (it takes no new work until
    /// its agent registers again) and every job bound there is requeued without using a retry, since none of them failed.</summary>
    private void ReleaseNode(IStoreTransaction tx, string name, DateTimeOffset now)
    {
        if (plane.Nodes.TryGetValue(name, out var node) && node.State != Lepton.Core.Cluster.NodeState.Down)
        {
            node.State = Lepton.Core.Cluster.NodeState.Down;
            tx.UpsertNode(node);
        }

        var jobs = plane.TasksOn(name).Select(id => plane.Jobs[plane.Tasks[id].JobId]).Where(j => !j.IsTerminal).Distinct().ToList();
        foreach (var job in jobs)
        {
            Requeue(tx, job, new PendingReasonView
            {
                Code = QueueReasonCodes.Queued,
                Message = $"node '{name}' stopped and handed the job back; no retry used",
            }, now, "Released");
        }
    }

    /// <summary>Retries a job whose replica failed or was lost, or fails it when its retries are used up (writer only).</summary>
    /// <remarks>A gang is retried whole: every replica is released and placed again together.</remarks>
    public static void Fail(IStoreTransaction tx, Job job, string why, int? exitCode, DateTimeOffset now)
    {
        if (job.Retries < job.MaxRetries)
        {
            job.Retries++;
            Requeue(tx, job, new PendingReasonView
            {
                Code = QueueReasonCodes.Retrying,
                Message = $"{why}; retry {job.Retries} of {job.MaxRetries}",
            }, now, "Retrying");
            return;
        }

        foreach (var t in job.Tasks)
        {
            if (t.State is TaskState.Pending or TaskState.Scheduled or TaskState.Running)
            {
                t.State = TaskState.Failed;
                tx.UpsertTask(t);
            }
        }

        job.State = JobState.Failed;
        job.ExitCode = exitCode;
        job.Reason = new PendingReasonView { Code = "Failed", Message = job.MaxRetries > 0 ? $"{why}; no retries left ({job.MaxRetries} used)" : why };
        tx.UpsertJob(job);
        tx.InsertEvent(job.Id, job.AddEvent(now, "Failed", job.Reason.Message));
    }

    /// <summary>Puts every replica of a job back in the queue with a new attempt number (writer only).</summary>
    public static void Requeue(IStoreTransaction tx, Job job, PendingReasonView reason, DateTimeOffset now, string eventType)
    {
        foreach (var t in job.Tasks)
        {
            t.State = TaskState.Pending;
            t.Node = null;
            t.Gpus = [];
            t.Attempt++;
            t.ExitCode = null;
            tx.UpsertTask(t);
        }

        job.State = JobState.Pending;
        job.Reason = reason;
        job.QueuedAt = now;
        tx.UpsertJob(job);
        tx.InsertEvent(job.Id, job.AddEvent(now, eventType, reason.Message));
    }

    public static ResourceVector ToVector(ResourceAmounts a) => new(a.CpuMilli, a.MemoryMiB, a.GpuMilli, a.Fpga, a.NetworkMbps);

    public static ResourceAmounts ToAmounts(ResourceVector v) => new()
    {
        CpuMilli = v.CpuMilli, MemoryMiB = v.MemoryMiB, GpuMilli = v.GpuMilli, Fpga = v.Fpga, NetworkMbps = v.NetworkMbps,
    };
}
