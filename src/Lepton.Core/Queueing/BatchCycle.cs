using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Placement.Batch;
using Lepton.Core.Resources;
using Lepton.Core.Workloads;

namespace Lepton.Core.Queueing;

/// <summary>A scheduling cycle in batch mode (<see cref="QueuePlanner.BatchPlacer"/>): the cycle's pending jobs are placed
/// together by an <see cref="IBatchPlacer"/>; the jobs it leaves out then go through the normal planner, which may
/// preempt for them and gives each a reason.</summary>
/// <remarks>
/// The batch keeps every job whole (a job of several replicas is a gang), holds each tenant to what its quota has left,
/// and maximises the priority-weighted objective, so a more important job is never left out for less important ones.
/// Queue order does not bind the batch (it places the best set, not a prefix of the queue); it still orders what the
/// normal planner does with the rest.
/// </remarks>
internal static class BatchCycle
{
    public static Plan Plan(QueuePlanner planner, IBatchPlacer placer, TimeSpan timeLimit, ClusterState cluster, IReadOnlyList<BoundJob> bound,
        IReadOnlyList<QueuedJob> pendingJobs, IReadOnlyDictionary<string, ResourceVector> quotas, IReadOnlyDictionary<string, ResourceVector> tenantUsage,
        PlacementOptions options)
    {
        var tasks = new List<TaskRequest>();
        var owner = new List<(int Job, int Replica)>();
        var jobs = pendingJobs.Where(j => j.Replicas.Count > 0).ToList();
        var byTenant = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var j = 0; j < jobs.Count; j++)
        {
            var job = jobs[j];
            for (var r = 0; r < job.Replicas.Count; r++)
            {
                var task = job.Replicas[r];
                // A job of several replicas is placed all or nothing; the batch knows gangs by their gang id.
                if (job.Replicas.Count > 1 && task.Gang is null)
                {
                    task = task with { Gang = "batch-job-" + job.Id, App = task.App ?? task.ReplicaGroup };
                }

                task = task with { Priority = job.Priority };
                if (!byTenant.TryGetValue(job.Tenant, out var list))
                {
                    byTenant[job.Tenant] = list = [];
                }

                list.Add(tasks.Count);
                tasks.Add(task);
                owner.Add((j, r));
            }
        }

        var batchQuotas = new List<BatchQuota>();
        foreach (var (tenant, members) in byTenant)
        {
            if (quotas.TryGetValue(tenant, out var quota))
            {
                batchQuotas.Add(new BatchQuota(tenant, quota - tenantUsage.GetValueOrDefault(tenant), members));
            }
        }

        var plan = placer.Place(new BatchProblem(cluster, tasks)
        {
            Objective = BatchObjective.Priority,
            Quotas = batchQuotas,
            TimeLimit = timeLimit,
            Options = options,
        });

        var placements = jobs.Select(j => new NodePlacement[j.Replicas.Count]).ToArray();
        var complete = new bool[jobs.Count];
        Array.Fill(complete, true);
        for (var t = 0; t < tasks.Count; t++)
        {
            var (j, r) = owner[t];
            if (plan.Placements[t] is { } p)
            {
                placements[j][r] = p;
            }
            else
            {
                complete[j] = false;
            }
        }

        var bindings = new List<Binding>();
        var usage = new Dictionary<string, ResourceVector>(tenantUsage, StringComparer.Ordinal);
        var rest = new List<QueuedJob>();
        for (var j = 0; j < jobs.Count; j++)
        {
            if (!complete[j])
            {
                rest.Add(jobs[j]);
                continue;
            }

            for (var r = 0; r < jobs[j].Replicas.Count; r++)
            {
                cluster.Allocate(placements[j][r].Node, jobs[j].Replicas[r], placements[j][r].Gpus);
                usage[jobs[j].Tenant] = usage.GetValueOrDefault(jobs[j].Tenant) + jobs[j].Replicas[r].Request;
            }

            bindings.Add(new Binding(jobs[j].Id, placements[j]));
        }

        var others = planner.Plan(cluster, bound, rest, quotas, usage);
        return new Plan([.. bindings, .. others.Bindings], others.Evictions, others.Waiting, others.Reservation);
    }
}
