using Lepton.Client.Contracts;
using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Queueing;
using Lepton.Server.Model;
using Lepton.Server.Persistence;

namespace Lepton.Server.Scheduling;

/// <summary>Checks that what is bound to a node still fits the node as it registered last, and requeues what does not.</summary>
/// <remarks>
/// A node can come back smaller than it was (an agent restarted after a GPU fell off the bus, or with less memory). The
/// tasks bound there are then re-placed on the node as it is now, most important job first; a job with a task that no
/// longer fits (too little CPU or memory left, a GPU index that is gone, a GPU share that no longer fits) is requeued
/// whole, without charging one of its retries: the job did nothing wrong. The node is never allocated past its capacity.
/// </remarks>
internal static class NodeFit
{
    /// <summary>Requeues the jobs whose tasks on <paramref name="node"/> no longer fit it (writer, under the model lock).</summary>
    /// <returns>How many jobs were requeued.</returns>
    public static int EvictMisfits(ControlPlane plane, IStoreTransaction tx, Node node, DateTimeOffset now)
    {
        var misfits = Misfits(plane, node);
        foreach (var (job, why) in misfits)
        {
            JobOperations.Requeue(tx, job, new PendingReasonView
            {
                Code = QueueReasonCodes.Queued,
                Message = $"requeued: node '{node.Name}' registered again with less than this job held there ({why})",
            }, now, "NodeShrunk");
        }

        return misfits.Count;
    }

    /// <summary>The live jobs with a task on <paramref name="node"/> that does not fit the node's current registration, each with why.</summary>
    public static List<(Job Job, string Why)> Misfits(ControlPlane plane, Node node)
    {
        var result = new List<(Job, string)>();
        var ids = plane.TasksOn(node.Name);
        if (ids.Count == 0)
        {
            return result;
        }

        var bound = new List<(JobTask Task, Job Job)>(ids.Count);
        foreach (var id in ids)
        {
            if (plane.Tasks.TryGetValue(id, out var task) && plane.Jobs.TryGetValue(task.JobId, out var job))
            {
                bound.Add((task, job));
            }
        }

        // Most important first, then oldest: what is kept is what the scheduler would have preferred.
        bound.Sort((a, b) => a.Job.Priority != b.Job.Priority ? b.Job.Priority.CompareTo(a.Job.Priority) : a.Task.Id.CompareTo(b.Task.Id));
        var cluster = new ClusterState([node.ToSpec()]);
        var evicted = new HashSet<long>();
        foreach (var (task, job) in bound)
        {
            if (evicted.Contains(job.Id))
            {
                continue;
            }

            var why = TryAllocate(cluster, node, task, job);
            if (why is not null)
            {
                evicted.Add(job.Id);
                result.Add((job, why));
            }
        }

        return result;
    }

    /// <summary>Allocates one bound task on the single-node <paramref name="cluster"/>; returns why it does not fit, or null.</summary>
    public static string? TryAllocate(ClusterState cluster, Node node, JobTask task, Job job)
    {
        if (task.Replica < 0 || task.Replica >= job.Requests.Count)
        {
            return $"task {task.Id} has replica {task.Replica} of {job.Requests.Count}";
        }

        var gpus = GpuSet.Empty;
        foreach (var device in task.Gpus)
        {
            var ordinal = NodeOperations.IndexOfGpu(node.Registration, device);
            if (ordinal < 0)
            {
                return $"GPU {device} is gone";
            }

            gpus = gpus.With(ordinal);
        }

        var request = job.Requests[task.Replica];
        try
        {
            cluster.Allocate(0, request, gpus);
            return null;
        }
        catch (InvalidOperationException)
        {
            var free = cluster.Free(0);
            return $"replica {task.Replica} needs {request.Request}, free {free}";
        }
    }
}
