using Lepton.Client.Contracts;
using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Queueing;
using Lepton.Core.Resources;
using Lepton.Core.Workloads;
using Lepton.Server.Model;

namespace Lepton.Server.Scheduling;

/// <summary>The scheduler's long-lived copy of the cluster's allocations, kept in step with the model incrementally.</summary>
/// <remarks>
/// Rebuilding a <see cref="ClusterState"/> from every bound task each cycle costs time proportional to the tasks bound
/// (tens of milliseconds at 20,000), so the mirror is rebuilt only when nodes change and otherwise reconciled task by task:
/// the control plane notes every task it writes (<see cref="ControlPlane.DirtyTasks"/>), and the mirror compares each
/// such task's binding in the model with its own record, releasing and allocating the difference. Tasks the planner
/// itself bound or evicted are reconciled the same way on the next cycle, which also undoes any decision the commit
/// skipped (a job cancelled while the plan was computed). Used by the scheduling loop only.
/// </remarks>
internal sealed class ClusterMirror
{
    private readonly Dictionary<long, Placed> _placed = [];
    private readonly Dictionary<string, ResourceVector> _usage = new(StringComparer.Ordinal);
    private readonly HashSet<long> _unconfirmed = [];
    private readonly Dictionary<long, string> _misfits = [];
    private Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private long _nodesVersion = -1;

    /// <summary>The mirrored cluster (nodes ordered by name).</summary>
    public ClusterState Cluster { get; private set; } = new([]);

    /// <summary>Node names by index in <see cref="Cluster"/>.</summary>
    public string[] Names { get; private set; } = [];

    /// <summary>Node registrations by index, as of the last rebuild.</summary>
    public NodeRegistration[] Registrations { get; private set; } = [];

    /// <summary>What each tenant's bound tasks hold.</summary>
    public IReadOnlyDictionary<string, ResourceVector> Usage => _usage;

    /// <summary>A one-off mirror of the model as it is now (for a reader other than the scheduling loop: the power
    /// controller); it leaves the control plane's record of changed tasks to the loop. Call under the model lock.</summary>
    public static ClusterMirror Snapshot(ControlPlane plane)
    {
        ArgumentNullException.ThrowIfNull(plane);
        var mirror = new ClusterMirror();
        mirror.Rebuild(plane);
        return mirror;
    }

    /// <summary>Brings the mirror up to date with the model; call under <see cref="ControlPlane.ModelLock"/> (it clears the
    /// model's record of changed tasks).</summary>
    public void Sync(ControlPlane plane)
    {
        if (plane.NodesVersion != _nodesVersion)
        {
            Rebuild(plane);
        }
        else
        {
            foreach (var id in plane.DirtyTasks)
            {
                Reconcile(plane, id);
            }

            foreach (var id in _unconfirmed)
            {
                Reconcile(plane, id);
            }
        }

        plane.DirtyTasks.Clear();
        _unconfirmed.Clear();
    }

    /// <summary>Bound tasks (by id, with why) that the mirror could not hold on their node: the model says they are bound,
    /// but the node no longer has room for them. The scheduling loop requeues them; they are not in <see cref="Cluster"/>.</summary>
    public Dictionary<long, string> TakeMisfits()
    {
        var misfits = new Dictionary<long, string>(_misfits);
        _misfits.Clear();
        return misfits;
    }

    /// <summary>Forces a full rebuild on the next <see cref="Sync"/> (after a failed cycle left the cluster in doubt).</summary>
    public void Invalidate() => _nodesVersion = -1;

    /// <summary>Bound preemptible jobs, the candidate victims of a cycle; every bound job when <paramref name="includeAll"/>
    /// (EASY backfill reserves for the head job from all of them; the scheduling loop adds their predicted remaining time).</summary>
    public List<BoundJob> Preemptible(ControlPlane plane, bool includeAll = false)
    {
        var byJob = new Dictionary<long, List<BoundTask>>();
        foreach (var placed in _placed.Values)
        {
            if (includeAll || placed.Preemptible)
            {
                if (!byJob.TryGetValue(placed.JobId, out var tasks))
                {
                    byJob[placed.JobId] = tasks = [];
                }

                tasks.Add(new BoundTask(placed.Request, new NodePlacement(placed.Node, placed.Gpus)));
            }
        }

        var result = new List<BoundJob>(byJob.Count);
        foreach (var (jobId, tasks) in byJob)
        {
            var job = plane.Jobs[jobId];
            // How long it has run: fair-share reclaim takes the most recently started work first.
            var running = job.Events.LastOrDefault(e => e.Type == "Scheduled") is { } scheduled ? plane.Time.GetUtcNow() - scheduled.Time : TimeSpan.Zero;
            result.Add(new BoundJob(jobId, job.Tenant, job.Priority, job.Preemptible, job.Id, tasks, Running: running));
        }

        return result;
    }

    /// <summary>Records what the planner did to <see cref="Cluster"/>, to be confirmed against the model next cycle.</summary>
    /// <param name="plan">The plan just computed.</param>
    /// <param name="tasks">Task ids, attempts and owners of every job the plan may mention, captured under the lock.</param>
    public void Record(Plan plan, IReadOnlyDictionary<long, JobTasks> tasks)
    {
        foreach (var eviction in plan.Evictions)
        {
            foreach (var (id, placed) in _placed.Where(p => p.Value.JobId == eviction.JobId).ToList())
            {
                _placed.Remove(id);
                _usage[placed.Tenant] = _usage.GetValueOrDefault(placed.Tenant) - placed.Request.Request;
                _unconfirmed.Add(id);
            }
        }

        foreach (var binding in plan.Bindings)
        {
            var job = tasks[binding.JobId];
            for (var i = 0; i < binding.Placements.Count; i++)
            {
                var p = binding.Placements[i];
                var request = job.Requests[i];
                _placed[job.TaskIds[i]] = new Placed(binding.JobId, job.Attempts[i], p.Node, p.Gpus, request, job.Tenant, job.Preemptible);
                _usage[job.Tenant] = _usage.GetValueOrDefault(job.Tenant) + request.Request;
                _unconfirmed.Add(job.TaskIds[i]);
            }
        }
    }

    private void Rebuild(ControlPlane plane)
    {
        var nodes = plane.Nodes.Values.OrderBy(n => n.Name, StringComparer.Ordinal).ToArray();
        Names = [.. nodes.Select(n => n.Name)];
        Registrations = [.. nodes.Select(n => n.Registration)];
        _index = new Dictionary<string, int>(nodes.Length, StringComparer.Ordinal);
        for (var i = 0; i < nodes.Length; i++)
        {
            _index[Names[i]] = i;
        }

        Cluster = new ClusterState([.. nodes.Select(n => n.ToSpec())]);
        _placed.Clear();
        _usage.Clear();
        _misfits.Clear();
        foreach (var task in plane.Tasks.Values)
        {
            if (task.IsBound)
            {
                Reconcile(plane, task.Id);
            }
        }

        _nodesVersion = plane.NodesVersion;
    }

    private void Reconcile(ControlPlane plane, long taskId)
    {
        _misfits.Remove(taskId);
        Placed? desired = null;
        if (plane.Tasks.TryGetValue(taskId, out var task) && task.IsBound && task.Node is { } name && _index.TryGetValue(name, out var node)
            && plane.Jobs.TryGetValue(task.JobId, out var job))
        {
            if (task.Replica < 0 || task.Replica >= job.Requests.Count)
            {
                _misfits[taskId] = $"replica {task.Replica} does not exist";
                return;
            }

            var gpus = GpuSet.Empty;
            foreach (var device in task.Gpus)
            {
                var ordinal = NodeOperations.IndexOfGpu(Registrations[node], device);
                if (ordinal >= 0)
                {
                    gpus = gpus.With(ordinal);
                }
            }

            desired = new Placed(job.Id, task.Attempt, node, gpus, job.Requests[task.Replica], job.Tenant, job.Preemptible);
        }

        var has = _placed.TryGetValue(taskId, out var current);
        if (has && desired == current)
        {
            return;
        }

        if (has)
        {
            Cluster.Release(current.Node, current.Request, current.Gpus);
            _usage[current.Tenant] = _usage.GetValueOrDefault(current.Tenant) - current.Request.Request;
            _placed.Remove(taskId);
        }

        if (desired is { } d)
        {
            try
            {
                Cluster.Allocate(d.Node, d.Request, d.Gpus);
            }
            catch (InvalidOperationException e)
            {
                // One inconsistent task (its node shrank, or the store holds a binding that cannot be) must not stop the
                // cycle for everyone: keep it out of the mirror and let the loop requeue it. Allocate checks before it changes.
                _misfits[taskId] = e.Message;
                return;
            }

            _usage[d.Tenant] = _usage.GetValueOrDefault(d.Tenant) + d.Request.Request;
            _placed[taskId] = d;
        }
    }

    /// <summary>One task's allocation in the mirror.</summary>
    private readonly record struct Placed(long JobId, int Attempt, int Node, GpuSet Gpus, TaskRequest Request, string Tenant, bool Preemptible);
}

/// <summary>The task ids, attempts and requests of one pending job, captured under the model lock for <see cref="ClusterMirror.Record"/>.</summary>
internal sealed record JobTasks(string Tenant, bool Preemptible, long[] TaskIds, int[] Attempts, IReadOnlyList<TaskRequest> Requests);
