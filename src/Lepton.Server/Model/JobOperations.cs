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
    /// <exception cref="ApiException">400 for a bad field, 422 when the job exceeds its tenant's whole quota (under fair
    /// share: its guarantee plus borrowing limit).</exception>
    public async Task<JobView> SubmitAsync(string tenant, JobSubmission submission) => (await SubmitAsync(tenant, submission, null)).View;

    /// <summary>Accepts a job at most once per (tenant, <paramref name="idempotencyKey"/>); completes once it is durable.</summary>
    /// <remarks>The key and the job are committed in one transaction, so a client that lost the 201 (a timeout, a server
    /// crash after the commit) and retries with the same key gets the job it already created, even across a restart; the
    /// same key with a different request is a client bug and gets 422. Keys of different tenants never meet.</remarks>
    /// <returns>The job, and whether it was created by an earlier request with the same key.</returns>
    /// <exception cref="ApiException">400 for a bad field, 422 when the job exceeds its tenant's whole quota or the key was used for another request.</exception>
    public Task<(JobView View, bool Replayed)> SubmitAsync(string tenant, JobSubmission submission, string? idempotencyKey)
    {
        JobSubmissionValidator.Validate(submission);
        var requestHash = idempotencyKey is null ? null : RequestHash(submission);
        return plane.MutateAsync<(JobView, bool)>(tx =>
        {
            if (!plane.Tenants.TryGetValue(tenant, out var owner))
            {
                throw new ApiException(403, "Forbidden", $"tenant '{tenant}' does not exist");
            }

            if (idempotencyKey is not null && plane.IdempotencyKeys.TryGetValue((tenant, idempotencyKey), out var earlier))
            {
                if (earlier.RequestHash != requestHash)
                {
                    throw new ApiException(422, "Idempotency-Key reused",
                        $"Idempotency-Key '{idempotencyKey}' was already used for a different job (job {earlier.JobId}); use a new key for a new job",
                        "Idempotency-Key");
                }

                return (plane.Jobs[earlier.JobId].ToView(), true);
            }

            var now = plane.Time.GetUtcNow();
            var job = Job.Submitted(plane.NewJobId(), tenant, submission, now);
            job.Reason = new PendingReasonView { Code = QueueReasonCodes.Queued, Message = "accepted; waiting for the next scheduling cycle" };
            var total = ResourceVector.Zero;
            foreach (var r in job.Requests)
            {
                total += r.Request;
            }

            if (plane.FairShare)
            {
                // Under fair share the quota is no cap: a tenant may hold its guarantee plus its borrowing limit (the
                // planner's rule), so only a job beyond that can never start.
                var terms = Scheduling.FairShareTerms.Of(owner);
                if (!FairSharePolicy.WithinLimit(total, terms))
                {
                    throw new ApiException(422, "Exceeds borrowing limit",
                        $"the job needs {total} in total, more than tenant '{tenant}' may ever hold under fair share: its guarantee "
                        + $"{terms.Guarantee} plus its borrowing limit {terms.BorrowingLimit} (at most {terms.Limit})", "resources");
                }
            }
            else if (owner.Quota is { } quota)
            {
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
            if (idempotencyKey is not null)
            {
                var record = new IdempotencyRecord(tenant, idempotencyKey, requestHash!, job.Id, now);
                plane.IdempotencyKeys[(tenant, idempotencyKey)] = record;
                tx.InsertIdempotencyKey(record);
            }

            return (job.ToView(), false);
        });
    }

    /// <summary>A fingerprint of what a submission asks for: its canonical JSON (env sorted by name), hashed.</summary>
    private static string RequestHash(JobSubmission submission)
    {
        var canonical = submission with
        {
            Env = new SortedDictionary<string, string>(submission.Env.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal), StringComparer.Ordinal)
                .ToDictionary(StringComparer.Ordinal),
        };
        var json = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(canonical, LeptonJsonContext.Default.JobSubmission);
        return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(json));
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
    public List<JobView> List(Caller caller, JobState? state) =>
        Page(caller, state is { } s ? [s] : null, newestFirst: false, after: null, limit: int.MaxValue).Jobs;

    /// <summary>One page of the jobs the caller may see, in id order (oldest first, or newest first).</summary>
    /// <param name="caller">Who asks: a tenant sees its own jobs only.</param>
    /// <param name="states">Only jobs in one of these states; null for all.</param>
    /// <param name="newestFirst">Descending ids instead of ascending.</param>
    /// <param name="after">The cursor: the last id of the previous page (only ids after it in this order); null for the first page.</param>
    /// <param name="limit">At most this many jobs.</param>
    /// <returns>The page, and whether more jobs follow it.</returns>
    /// <remarks>Ids only grow, so a cursor never skips or repeats a job while others are submitted. Views are built only for
    /// the page; the scan under the lock allocates nothing per skipped job.</remarks>
    public (List<JobView> Jobs, bool More) Page(Caller caller, IReadOnlyCollection<JobState>? states, bool newestFirst, long? after, int limit)
    {
        var page = new List<JobView>(Math.Min(limit, 1024) + 1);
        var more = false;
        lock (plane.Gate)
        {
            if (!newestFirst)
            {
                foreach (var job in plane.Jobs.Values)
                {
                    if ((after is { } a && job.Id <= a) || !Matches(caller, states, job))
                    {
                        continue;
                    }

                    if (page.Count == limit)
                    {
                        more = true;
                        break;
                    }

                    page.Add(job.ToView());
                }

                return (page, more);
            }

            // SortedDictionary has no reverse walk: keep the newest limit + 1 matches in a ring while walking up.
            var ring = new Queue<Job>(Math.Min(limit, 1024) + 1);
            foreach (var job in plane.Jobs.Values)
            {
                if (after is { } a && job.Id >= a)
                {
                    break;
                }

                if (!Matches(caller, states, job))
                {
                    continue;
                }

                ring.Enqueue(job);
                if (ring.Count > limit)
                {
                    ring.Dequeue();
                    more = true;
                }
            }

            foreach (var job in ring.Reverse())
            {
                page.Add(job.ToView());
            }
        }

        return (page, more);
    }

    /// <summary>How many jobs the caller may see, by state.</summary>
    public JobSummary Summary(Caller caller)
    {
        var summary = new JobSummary();
        lock (plane.Gate)
        {
            foreach (var job in plane.Jobs.Values)
            {
                if (!caller.MaySee(job.Tenant))
                {
                    continue;
                }

                summary.Total++;
                switch (job.State)
                {
                    case JobState.Pending: summary.Pending++; break;
                    case JobState.Scheduled: summary.Scheduled++; break;
                    case JobState.Running: summary.Running++; break;
                    case JobState.Succeeded: summary.Succeeded++; break;
                    case JobState.Failed: summary.Failed++; break;
                    case JobState.Cancelled: summary.Cancelled++; break;
                }
            }
        }

        return summary;
    }

    private static bool Matches(Caller caller, IReadOnlyCollection<JobState>? states, Job job) =>
        (states is null || states.Contains(job.State)) && caller.MaySee(job.Tenant);

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

    /// <summary>A node reports a task attempt started or exited; only the current attempt of a task bound to that node counts.</summary>
    /// <exception cref="ApiException">400 a malformed report, 404 unknown task, 403 a task of another node, 409 a stale or
    /// ended attempt; nothing changes.</exception>
    public Task<bool> ReportAsync(string node, long taskId, TaskStatusReport report)
    {
        AgentInputValidator.Validate(report);
        return plane.MutateAsync(tx => Report(tx, node, taskId, report));
    }

    private bool Report(IStoreTransaction tx, string node, long taskId, TaskStatusReport report)
    {
        if (!plane.Tasks.TryGetValue(taskId, out var task))
        {
            throw ApiException.NotFound($"task {taskId}");
        }

        CheckReporter(task, node, report.Attempt);
        var job = plane.Jobs[task.JobId];

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
    }

    /// <summary>Refuses a report (status or log) about <paramref name="task"/> from <paramref name="node"/> unless it is about the
    /// task's current attempt and the task is bound there: 409 for a stale or ended attempt (an agent that lagged behind a
    /// requeue), 403 for a task bound to another node. Call under the model lock.</summary>
    /// <param name="task">The task reported on.</param>
    /// <param name="node">The node reporting (its credential was checked).</param>
    /// <param name="attempt">The attempt reported on.</param>
    /// <param name="mayHaveEnded">True for log uploads: the last lines of an attempt that was just cancelled or ended still
    /// belong to it; a status report needs the attempt to be still running.</param>
    public static void CheckReporter(JobTask task, string node, int attempt, bool mayHaveEnded = false)
    {
        if (attempt < task.Attempt)
        {
            throw new ApiException(409, "Conflict", $"attempt {attempt} of task {task.Id} is stale (current attempt {task.Attempt})", "attempt");
        }

        if (task.Node != node)
        {
            throw new ApiException(403, "Forbidden", $"task {task.Id} is not bound to node '{node}'");
        }

        if (attempt != task.Attempt)
        {
            throw new ApiException(409, "Conflict", $"task {task.Id} has no attempt {attempt} (current attempt {task.Attempt})", "attempt");
        }

        if (!task.IsBound && !mayHaveEnded)
        {
            throw new ApiException(409, "Conflict", $"attempt {attempt} of task {task.Id} has already ended ({task.State})", "attempt");
        }
    }

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
