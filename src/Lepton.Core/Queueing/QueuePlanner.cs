using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Resources;
using Lepton.Core.Workloads;

namespace Lepton.Core.Queueing;

/// <summary>One scheduling cycle: orders the queue, applies quotas, places gangs all or nothing through the placement
/// core, plans preemptions, and gives every job left waiting a specific reason.</summary>
/// <remarks>
/// <para>Order: priority descending, then arrival (<see cref="QueuedJob.Sequence"/>) ascending. The cycle is greedy: a job
/// that cannot be placed does not block less important jobs that can (backfill).</para>
/// <para>Quota is a hard cap: a job is skipped when its tenant's bound usage plus the job's whole request would pass the
/// tenant's quota in any resource.</para>
/// <para>Preemption: when a job does not fit, bound jobs that are preemptible and strictly less important are released
/// one by one (least important first, latest arrival first among equals) until the job fits; then each released victim
/// is put back if the job still fits without evicting it. The result is a minimal set (no victim can be spared).
/// Because a victim is always strictly less important than the job it makes room for, no two jobs can evict each
/// other: there are no eviction loops. A non-preemptible job is never a victim. A victim is evicted whole (all its
/// replicas), so a gang never runs partially.</para>
/// <para>Pure: no I/O and no clock. The same input gives the same plan.</para>
/// </remarks>
public sealed class QueuePlanner(PlacementPolicy policy, PlacementOptions options)
{
    /// <summary>Most victims tried for one job; bounds the cost of a cycle on a huge cluster.</summary>
    public int MaxVictimsPerJob { get; init; } = 256;

    /// <summary>Computes the plan for <paramref name="snapshot"/>.</summary>
    public Plan Plan(QueueSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var cluster = new ClusterState(snapshot.Nodes);
        var usage = new Dictionary<string, ResourceVector>(StringComparer.Ordinal);
        var victims = new List<BoundJob>();
        foreach (var job in snapshot.Bound)
        {
            foreach (var task in job.Tasks)
            {
                cluster.Allocate(task.Placement.Node, task.Request, task.Placement.Gpus);
            }

            usage[job.Tenant] = usage.GetValueOrDefault(job.Tenant) + Total(job.Tasks);
            if (job.Preemptible)
            {
                victims.Add(job);
            }
        }

        return Plan(cluster, victims, snapshot.Pending, snapshot.Quotas, usage);
    }

    /// <summary>Computes a plan on a cluster that already holds every bound task (a long-lived mirror, so that a cycle
    /// does not rebuild the cluster), committing the plan's bindings and evictions into <paramref name="cluster"/>.</summary>
    /// <param name="cluster">Current allocations; changed in place to the state after the plan.</param>
    /// <param name="preemptible">Bound jobs that are preemptible (the only possible victims).</param>
    /// <param name="pendingJobs">Jobs waiting, in any order.</param>
    /// <param name="quotas">Hard cap per tenant; a tenant missing here is unlimited.</param>
    /// <param name="tenantUsage">What each tenant's bound tasks hold now (not changed).</param>
    public Plan Plan(ClusterState cluster, IReadOnlyList<BoundJob> preemptible, IReadOnlyList<QueuedJob> pendingJobs,
        IReadOnlyDictionary<string, ResourceVector> quotas, IReadOnlyDictionary<string, ResourceVector> tenantUsage)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(preemptible);
        ArgumentNullException.ThrowIfNull(pendingJobs);
        ArgumentNullException.ThrowIfNull(quotas);
        ArgumentNullException.ThrowIfNull(tenantUsage);
        var usage = new Dictionary<string, ResourceVector>(tenantUsage, StringComparer.Ordinal);
        var cycleOptions = OptionsFor(pendingJobs, preemptible);
        var engine = new PlacementEngine(cluster, policy, cycleOptions);
        var victims = new List<BoundJob>(preemptible);
        var pending = new List<QueuedJob>(pendingJobs);
        pending.Sort(static (a, b) => a.Priority != b.Priority ? b.Priority.CompareTo(a.Priority) : a.Sequence.CompareTo(b.Sequence));

        var bindings = new List<Binding>();
        var evictions = new List<Eviction>();
        var waiting = new Dictionary<long, QueueReason>();
        var anyReady = false;
        for (var i = 0; i < cluster.NodeCount && !anyReady; i++)
        {
            anyReady = cluster.StateOf(i) == NodeState.Ready;
        }

        PlacementEngine? emptyEngine = null;
        foreach (var job in pending)
        {
            if (job.Replicas.Count == 0)
            {
                continue;
            }

            var total = Total(job.Replicas);
            var used = usage.GetValueOrDefault(job.Tenant);
            if (quotas.TryGetValue(job.Tenant, out var quota) && !(used + total).FitsIn(quota))
            {
                waiting[job.Id] = new QueueReason(QueueReasonCodes.QuotaExceeded,
                    $"tenant '{job.Tenant}' holds {used} of its quota {quota}; this job needs {total} more", []);
                continue;
            }

            if (!anyReady)
            {
                waiting[job.Id] = new QueueReason(QueueReasonCodes.NoNodes, "no node is Ready; waiting for a node to register", []);
                continue;
            }

            var placements = new NodePlacement[job.Replicas.Count];
            // TryPlaceGang commits on success, and so does a successful TryPreempt.
            if (engine.TryPlaceGang(job.Replicas, placements) || TryPreempt(job, engine, cluster, victims, usage, evictions, placements))
            {
                usage[job.Tenant] = usage.GetValueOrDefault(job.Tenant) + total;
                bindings.Add(new Binding(job.Id, placements));
                continue;
            }

            emptyEngine ??= new PlacementEngine(new ClusterState(EmptyCluster(cluster)), policy, cycleOptions);
            waiting[job.Id] = Explain(job, engine, emptyEngine);
        }

        return new Plan(bindings, evictions, waiting);
    }

    /// <summary>The options for one cycle: the configured ones, plus a target workload when the policy needs one and none was configured.</summary>
    /// <remarks>FGD scores fragmentation against a target workload (its typical tasks). A live server has no trace to
    /// learn that from, so the work it must fit next stands in for it: the replicas waiting now and the preemptible
    /// replicas running (the only bound work passed to the planner).</remarks>
    private PlacementOptions OptionsFor(IReadOnlyList<QueuedJob> pendingJobs, IReadOnlyList<BoundJob> preemptible)
    {
        if (!policy.NeedsTargetWorkload || options.TargetWorkload is not null)
        {
            return options;
        }

        var tasks = new List<TaskRequest>();
        foreach (var job in pendingJobs)
        {
            tasks.AddRange(job.Replicas);
        }

        foreach (var job in preemptible)
        {
            foreach (var task in job.Tasks)
            {
                tasks.Add(task.Request);
            }
        }

        return options with { TargetWorkload = TargetWorkload.FromTasks(tasks) };
    }

    private bool TryPreempt(QueuedJob job, PlacementEngine engine, ClusterState cluster, List<BoundJob> victims,
        Dictionary<string, ResourceVector> usage, List<Eviction> evictions, NodePlacement[] placements)
    {
        var candidates = new List<BoundJob>();
        foreach (var victim in victims)
        {
            if (victim.Priority < job.Priority)
            {
                candidates.Add(victim);
            }
        }

        if (candidates.Count == 0)
        {
            return false;
        }

        candidates.Sort(static (a, b) => a.Priority != b.Priority ? a.Priority.CompareTo(b.Priority) : b.Sequence.CompareTo(a.Sequence));
        var released = new List<BoundJob>();
        var fits = false;
        foreach (var candidate in candidates)
        {
            if (released.Count >= MaxVictimsPerJob)
            {
                break;
            }

            Release(cluster, candidate);
            released.Add(candidate);
            if (Probe(engine, cluster, job, placements))
            {
                fits = true;
                break;
            }
        }

        if (!fits)
        {
            for (var i = released.Count - 1; i >= 0; i--)
            {
                Allocate(cluster, released[i]);
            }

            return false;
        }

        // Spare every victim the job can do without, most important (last released) first.
        var needed = new List<BoundJob>();
        for (var i = released.Count - 1; i >= 0; i--)
        {
            Allocate(cluster, released[i]);
            if (!Probe(engine, cluster, job, placements))
            {
                Release(cluster, released[i]);
                needed.Add(released[i]);
            }
        }

        // Place for real now that exactly the needed victims are released.
        if (!engine.TryPlaceGang(job.Replicas, placements))
        {
            throw new InvalidOperationException("placement changed between two identical probes");
        }

        foreach (var victim in needed)
        {
            victims.Remove(victim);
            usage[victim.Tenant] = usage.GetValueOrDefault(victim.Tenant) - Total(victim.Tasks);
            evictions.Add(new Eviction(victim.Id, job.Id, new QueueReason(QueueReasonCodes.Preempted,
                $"preempted by job {job.Id} (priority {job.Priority} > {victim.Priority}); waiting to be placed again", [])));
        }

        return true;
    }

    /// <summary>Whether the gang fits as the cluster is now, leaving the cluster unchanged.</summary>
    private static bool Probe(PlacementEngine engine, ClusterState cluster, QueuedJob job, NodePlacement[] placements)
    {
        if (!engine.TryPlaceGang(job.Replicas, placements))
        {
            return false;
        }

        for (var i = job.Replicas.Count - 1; i >= 0; i--)
        {
            cluster.Release(placements[i].Node, job.Replicas[i], placements[i].Gpus);
        }

        return true;
    }

    private static QueueReason Explain(QueuedJob job, PlacementEngine engine, PlacementEngine emptyEngine)
    {
        var first = job.Replicas[0];
        var placements = new NodePlacement[job.Replicas.Count];
        if (!Probe(emptyEngine, emptyEngine.Cluster, job, placements))
        {
            var never = emptyEngine.Explain(first);
            var what = job.Replicas.Count > 1 ? $"a gang of {job.Replicas.Count} replicas" : "this request";
            return new QueueReason(QueueReasonCodes.NeverFits,
                $"no current node could hold {what} even if empty ({never.Message}); waiting for a node that can", Map(never));
        }

        if (job.Replicas.Count > 1 && engine.TryPlace(first, out _))
        {
            return new QueueReason(QueueReasonCodes.GangIncomplete,
                $"a gang of {job.Replicas.Count} replicas is placed all or nothing; not all replicas fit at once now", []);
        }

        var reason = engine.Explain(first);
        return new QueueReason(QueueReasonCodes.Unschedulable, $"no node has room now: {reason.Message}", Map(reason));
    }

    private static List<QueueRejection> Map(PendingReason reason)
    {
        var result = new List<QueueRejection>(reason.Rejections.Count);
        foreach (var r in reason.Rejections)
        {
            result.Add(new QueueRejection(r.Constraint, r.NodesRuledOut, r.NodesConsidered, r.Message));
        }

        return result;
    }

    private static List<NodeSpec> EmptyCluster(ClusterState cluster)
    {
        var result = new List<NodeSpec>(cluster.NodeCount);
        for (var i = 0; i < cluster.NodeCount; i++)
        {
            var node = cluster.NodeAt(i);
            var state = cluster.StateOf(i);
            result.Add(node with { State = state == NodeState.Down ? NodeState.Down : NodeState.Ready });
        }

        return result;
    }

    private static void Release(ClusterState cluster, BoundJob job)
    {
        foreach (var task in job.Tasks)
        {
            cluster.Release(task.Placement.Node, task.Request, task.Placement.Gpus);
        }
    }

    private static void Allocate(ClusterState cluster, BoundJob job)
    {
        foreach (var task in job.Tasks)
        {
            cluster.Allocate(task.Placement.Node, task.Request, task.Placement.Gpus);
        }
    }

    private static ResourceVector Total(IReadOnlyList<TaskRequest> requests)
    {
        var total = ResourceVector.Zero;
        foreach (var r in requests)
        {
            total += r.Request;
        }

        return total;
    }

    private static ResourceVector Total(IReadOnlyList<BoundTask> tasks)
    {
        var total = ResourceVector.Zero;
        foreach (var t in tasks)
        {
            total += t.Request.Request;
        }

        return total;
    }
}
