using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Resources;
using Lepton.Core.Workloads;

namespace Lepton.Core.Queueing;

/// <summary>One scheduling cycle: orders the queue, applies quotas, places gangs all or nothing through the placement
/// core, plans preemptions, applies the queue discipline (strict, greedy or EASY backfill), and gives every job left
/// waiting a specific reason.</summary>
/// <remarks>
/// <para>Order and backfill come from <see cref="Discipline"/>. The default (<see cref="QueueDiscipline.PriorityBackfill"/>)
/// orders by priority descending, then arrival (<see cref="QueuedJob.Sequence"/>) ascending, and is greedy: a job that
/// cannot be placed does not block later jobs that can. Under a strict discipline (<see cref="BackfillMode.None"/>) the
/// first job that cannot start (the head) holds every later one back (reason <see cref="QueueReasonCodes.Blocked"/>).
/// Under EASY backfill the head gets a <see cref="Reservation"/>: the running jobs (and those bound this cycle) are
/// released in order of their remaining duration until the head fits; that instant and placement are reserved, and a
/// later job starts only if it ends by then or uses only room the reservation leaves free (see
/// <see cref="ReservationRoom"/>). Jobs that can never fit on the cluster, or that wait for quota, never become the
/// head.</para>
/// <para>Quota is a hard cap: a job is skipped when its tenant's bound usage plus the job's whole request would pass the
/// tenant's quota in any resource.</para>
/// <para>Preemption: when a job does not fit, bound jobs that are preemptible and strictly less important are released
/// one by one (least important first, latest arrival first among equals) until the job fits; then each released victim
/// is put back if the job still fits without evicting it. The result is a minimal set (no victim can be spared).
/// Because a victim is always strictly less important than the job it makes room for, no two jobs can evict each
/// other: there are no eviction loops. A non-preemptible job is never a victim. A victim is evicted whole (all its
/// replicas), so a gang never runs partially. Jobs behind an EASY reservation do not preempt.</para>
/// <para>Pure: no I/O and no clock (durations are relative to the cycle). The same input gives the same plan. One
/// planner serves one scheduling loop (it keeps the placement engine between cycles on the same cluster object), so it
/// is not for concurrent use.</para>
/// </remarks>
public sealed class QueuePlanner(PlacementPolicy policy, PlacementOptions options)
{
    private PlacementEngine? _engine;
    private EmptyEngine? _empty;

    /// <summary>Most victims tried for one job; bounds the cost of a cycle on a huge cluster.</summary>
    public int MaxVictimsPerJob { get; init; } = 256;

    /// <summary>The queue discipline; <see cref="QueueDiscipline.Default"/> unless set.</summary>
    public QueueDiscipline Discipline { get; init; } = QueueDiscipline.Default;

    /// <summary>When set, each cycle first places the pending jobs as one batch with this placer (e.g. CP-SAT's <c>milp</c>)
    /// and plans only the jobs it leaves out the usual way (see <see cref="BatchCycle"/>); null (the default) plans job by job.</summary>
    public Placement.Batch.IBatchPlacer? BatchPlacer { get; init; }

    /// <summary>The batch placer's time limit per cycle.</summary>
    public TimeSpan BatchTimeLimit { get; init; } = TimeSpan.FromSeconds(2);

    private bool _inBatch;

    /// <summary>Whether every waiting job gets a specific reason (which constraint ruled out how many nodes). A replay of
    /// a long trace turns it off: explaining costs a scan of the nodes per waiting job per cycle, and only the jobs that
    /// never start need a reason there. Jobs the discipline blocks are still told so.</summary>
    public bool ExplainWaiting { get; init; } = true;

    /// <summary>Whether <see cref="Plan(ClusterState, IReadOnlyList{BoundJob}, IReadOnlyList{QueuedJob}, IReadOnlyDictionary{string, ResourceVector}, IReadOnlyDictionary{string, ResourceVector})"/>
    /// needs every bound job (with its remaining duration), not only the preemptible ones: true for EASY backfill.</summary>
    public bool NeedsAllBoundJobs => Discipline.Backfill == BackfillMode.Easy;

    /// <summary>Computes the plan for <paramref name="snapshot"/>.</summary>
    public Plan Plan(QueueSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var cluster = new ClusterState(snapshot.Nodes);
        var usage = new Dictionary<string, ResourceVector>(StringComparer.Ordinal);
        foreach (var job in snapshot.Bound)
        {
            foreach (var task in job.Tasks)
            {
                cluster.Allocate(task.Placement.Node, task.Request, task.Placement.Gpus);
            }

            usage[job.Tenant] = usage.GetValueOrDefault(job.Tenant) + Total(job.Tasks);
        }

        return snapshot.FairShare is { } fair
            ? Plan(cluster, snapshot.Bound, snapshot.Pending, fair, usage)
            : Plan(cluster, snapshot.Bound, snapshot.Pending, snapshot.Quotas, usage);
    }

    /// <summary>Computes a plan under fair share (guarantees, borrowing and reclaim, DRF between tenants, aging within a
    /// tenant; see <see cref="FairSharePolicy"/>) instead of hard quotas, on a cluster that already holds every bound task.</summary>
    /// <param name="cluster">Current allocations; changed in place to the state after the plan.</param>
    /// <param name="bound">Bound jobs: at least every preemptible one (the only possible victims).</param>
    /// <param name="pendingJobs">Jobs waiting, in any order.</param>
    /// <param name="fairShare">Each tenant's guarantee, borrowing limit and weight, and the aging interval.</param>
    /// <param name="tenantUsage">What each tenant's bound tasks hold now (not changed).</param>
    public Plan Plan(ClusterState cluster, IReadOnlyList<BoundJob> bound, IReadOnlyList<QueuedJob> pendingJobs,
        FairSharePolicy fairShare, IReadOnlyDictionary<string, ResourceVector> tenantUsage)
    {
        ArgumentNullException.ThrowIfNull(fairShare);
        return PlanCycle(cluster, bound, pendingJobs, EmptyQuotas, tenantUsage, fairShare);
    }

    private static readonly Dictionary<string, ResourceVector> EmptyQuotas = new(StringComparer.Ordinal);

    /// <summary>Computes a plan on a cluster that already holds every bound task (a long-lived mirror, so that a cycle
    /// does not rebuild the cluster), committing the plan's bindings and evictions into <paramref name="cluster"/>.</summary>
    /// <param name="cluster">Current allocations; changed in place to the state after the plan.</param>
    /// <param name="bound">Bound jobs: at least every preemptible one (the only possible victims); under EASY backfill
    /// every one, with <see cref="BoundJob.Remaining"/> (see <see cref="NeedsAllBoundJobs"/>). A bound job missing here
    /// is taken to run for ever.</param>
    /// <param name="pendingJobs">Jobs waiting, in any order.</param>
    /// <param name="quotas">Hard cap per tenant; a tenant missing here is unlimited.</param>
    /// <param name="tenantUsage">What each tenant's bound tasks hold now (not changed).</param>
    public Plan Plan(ClusterState cluster, IReadOnlyList<BoundJob> bound, IReadOnlyList<QueuedJob> pendingJobs,
        IReadOnlyDictionary<string, ResourceVector> quotas, IReadOnlyDictionary<string, ResourceVector> tenantUsage) =>
        PlanCycle(cluster, bound, pendingJobs, quotas, tenantUsage, null);

    private Plan PlanCycle(ClusterState cluster, IReadOnlyList<BoundJob> bound, IReadOnlyList<QueuedJob> pendingJobs,
        IReadOnlyDictionary<string, ResourceVector> quotas, IReadOnlyDictionary<string, ResourceVector> tenantUsage, FairSharePolicy? fair)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(bound);
        ArgumentNullException.ThrowIfNull(pendingJobs);
        ArgumentNullException.ThrowIfNull(quotas);
        ArgumentNullException.ThrowIfNull(tenantUsage);
        if (BatchPlacer is { } batch && !_inBatch && pendingJobs.Count > 0)
        {
            _inBatch = true;
            try
            {
                return BatchCycle.Plan(this, batch, BatchTimeLimit, cluster, bound, pendingJobs, quotas, tenantUsage, options);
            }
            finally
            {
                _inBatch = false;
            }
        }

        var usage = new Dictionary<string, ResourceVector>(tenantUsage, StringComparer.Ordinal);
        // Fair share: what each tenant held at the start of the cycle, less what was evicted since. Reclaim reads this,
        // not usage, so that work a tenant is lent in this cycle never makes its older work count as borrowed.
        var standing = fair is null ? null : new Dictionary<string, ResourceVector>(tenantUsage, StringComparer.Ordinal);
        var victims = new List<BoundJob>(bound.Count);
        foreach (var job in bound)
        {
            if (job.Preemptible)
            {
                victims.Add(job);
            }
        }

        var cycleOptions = OptionsFor(pendingJobs, victims);
        var engine = EngineFor(cluster, cycleOptions);
        var pending = new List<QueuedJob>(pendingJobs);
        var order = fair is null ? Comparison(Discipline.Order) : AgedComparison(fair);
        pending.Sort(order);
        var backfill = Discipline.Backfill;
        var holdings = backfill == BackfillMode.Easy ? Holdings(bound) : null;

        var bindings = new List<Binding>();
        var evictions = new List<Eviction>();
        var waiting = new Dictionary<long, QueueReason>();
        var anyReady = false;
        for (var i = 0; i < cluster.NodeCount && !anyReady; i++)
        {
            anyReady = cluster.StateOf(i) == NodeState.Ready;
        }

        PlacementEngine? emptyEngine = null;
        // Fair share: each tenant's jobs that found no room in this cycle (they rank before its later ones).
        var blockedEarlier = new Dictionary<string, List<QueuedJob>>(StringComparer.Ordinal);
        QueuedJob? head = null;
        ReservationRoom? room = null;
        var capacity = fair is null ? ResourceVector.Zero : cluster.TotalCapacity;
        foreach (var job in fair is null ? pending : DrfOrder(pending, usage, fair, capacity))
        {
            if (job.Replicas.Count == 0)
            {
                continue;
            }

            var total = Total(job.Replicas);
            var used = usage.GetValueOrDefault(job.Tenant);
            if (fair is not null && !FairSharePolicy.WithinLimit(used + total, fair.For(job.Tenant)))
            {
                var terms = fair.For(job.Tenant);
                waiting[job.Id] = new QueueReason(QueueReasonCodes.BorrowingLimit,
                    $"tenant '{job.Tenant}' holds {used}; its guarantee {terms.Guarantee} plus borrowing limit {terms.BorrowingLimit} "
                    + $"leaves no room for this job's {total}", []);
                continue;
            }

            if (fair is not null && FairSharePolicy.Straddles(used, total, fair.For(job.Tenant))
                && blockedEarlier.TryGetValue(job.Tenant, out var blocked) && EarlierCouldFit(job, blocked, order, fair.For(job.Tenant), cluster, cycleOptions, ref emptyEngine) is { } earlier)
            {
                waiting[job.Id] = new QueueReason(QueueReasonCodes.FairShare,
                    $"it would take tenant '{job.Tenant}' across its guarantee ({used} held) while its earlier job {earlier.Id} waits; "
                    + "the room below the guarantee goes to the tenant's jobs in their order", []);
                continue;
            }

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

            if (head is not null && backfill == BackfillMode.None)
            {
                waiting[job.Id] = new QueueReason(QueueReasonCodes.Blocked,
                    $"queued behind job {head.Id}, which cannot start yet (queue '{Discipline.Name}' does not backfill)", []);
                continue;
            }

            var placements = new NodePlacement[job.Replicas.Count];
            if (room is not null)
            {
                // Behind an EASY reservation: start only what cannot delay it.
                if (TryBackfill(job, engine, cluster, room, placements))
                {
                    usage[job.Tenant] = usage.GetValueOrDefault(job.Tenant) + total;
                    bindings.Add(new Binding(job.Id, placements) { Topology = TopologyReasons.Note(job, engine) });
                    holdings!.Add(new Holding(job.Id, job.Replicas, placements, job.Duration));
                    continue;
                }

                if (!ExplainWaiting)
                {
                    waiting[job.Id] = NotExplained;
                    continue;
                }

                emptyEngine ??= EmptyEngineFor(cluster, cycleOptions);
                var why = Explain(job, engine, emptyEngine);
                waiting[job.Id] = why.Code is QueueReasonCodes.NeverFits || !FitsNow(engine, cluster, job, placements)
                    ? why
                    : new QueueReason(QueueReasonCodes.Blocked, $"it fits now but would delay job {room.Reservation.JobId}, which holds the "
                        + $"reservation ({When(room.Reservation)}; queue '{Discipline.Name}')", []);
                continue;
            }

            // TryPlaceGang commits on success, and so does a successful TryPreempt.
            var evicted = evictions.Count;
            if (engine.TryPlaceGang(job.Replicas, placements) || TryPreempt(job, engine, cluster, victims, usage, standing, evictions, placements, fair))
            {
                usage[job.Tenant] = usage.GetValueOrDefault(job.Tenant) + total;
                bindings.Add(new Binding(job.Id, placements) { Topology = TopologyReasons.Note(job, engine) });
                if (holdings is not null)
                {
                    for (var e = evicted; e < evictions.Count; e++)
                    {
                        holdings.RemoveAll(h => h.JobId == evictions[e].JobId);
                    }

                    holdings.Add(new Holding(job.Id, job.Replicas, placements, job.Duration));
                }

                continue;
            }

            if (fair is not null)
            {
                if (!blockedEarlier.TryGetValue(job.Tenant, out var blockedNow))
                {
                    blockedNow = [];
                    blockedEarlier[job.Tenant] = blockedNow;
                }

                blockedNow.Add(job);
            }

            var mayLead = head is null && backfill != BackfillMode.Greedy;
            if (!ExplainWaiting && !mayLead)
            {
                waiting[job.Id] = NotExplained;
                continue;
            }

            emptyEngine ??= EmptyEngineFor(cluster, cycleOptions);
            var reason = ExplainWaiting || !Probe(emptyEngine, emptyEngine.Cluster, job, placements)
                ? Explain(job, engine, emptyEngine)
                : NotExplained;
            if (fair is not null && reason.Code is QueueReasonCodes.Unschedulable or QueueReasonCodes.GangIncomplete)
            {
                reason = FairShareReason(job, reason, usage, fair, victims);
            }

            if (head is null && backfill != BackfillMode.Greedy && reason.Code != QueueReasonCodes.NeverFits)
            {
                head = job;
                if (holdings is not null && Reserve(job, engine, cluster, holdings) is { } reserved)
                {
                    room = reserved;
                    reason = reason with { Message = $"{reason.Message}; reserved: {When(reserved.Reservation)}" };
                }
            }

            waiting[job.Id] = reason;
        }

        return new Plan(bindings, evictions, waiting, room?.Reservation);
    }

    private static readonly QueueReason NotExplained = new(QueueReasonCodes.Unschedulable, "no room now (not explained: ExplainWaiting is off)", []);

    private static Comparison<QueuedJob> Comparison(QueueOrder order) => order switch
    {
        QueueOrder.Priority => static (a, b) => a.Priority != b.Priority ? b.Priority.CompareTo(a.Priority) : a.Sequence.CompareTo(b.Sequence),
        QueueOrder.Arrival => static (a, b) => a.Sequence.CompareTo(b.Sequence),
        QueueOrder.LongestFirst => static (a, b) => ByDuration(a, b, longestFirst: true),
        QueueOrder.ShortestFirst => static (a, b) => ByDuration(a, b, longestFirst: false),
        _ => throw new ArgumentOutOfRangeException(nameof(order), order, "unknown queue order"),
    };

    private static int ByDuration(QueuedJob a, QueuedJob b, bool longestFirst)
    {
        // Unknown durations go last either way: the order means nothing for them.
        if (a.Duration is { } x && b.Duration is { } y)
        {
            var c = longestFirst ? y.CompareTo(x) : x.CompareTo(y);
            return c != 0 ? c : a.Sequence.CompareTo(b.Sequence);
        }

        return a.Duration is not null ? -1 : b.Duration is not null ? 1 : a.Sequence.CompareTo(b.Sequence);
    }

    private static string When(Reservation reservation) => reservation.StartsIn is { } t
        ? $"expected to start in {FormatSpan(t)}, when running jobs end"
        : "expected to start when running jobs without a declared duration end";

    private static string FormatSpan(TimeSpan t) => t.TotalHours >= 1
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{t.TotalHours:0.##} h")
        : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{t.TotalMinutes:0.#} min");

    /// <summary>Places a job behind the reservation if it cannot delay it: first where the policy likes best; if that
    /// would eat the reserved room, again with the reserved nodes out of reach.</summary>
    private static bool TryBackfill(QueuedJob job, PlacementEngine engine, ClusterState cluster, ReservationRoom room, NodePlacement[] placements)
    {
        if (!engine.TryPlaceGang(job.Replicas, placements))
        {
            return false;
        }

        if (room.Admit(job.Replicas, job.Duration, placements))
        {
            return true;
        }

        Undo(cluster, job, placements);
        var fenced = new List<int>();
        foreach (var node in room.Nodes)
        {
            if (cluster.StateOf(node) == NodeState.Ready)
            {
                cluster.SetState(node, NodeState.Draining);
                fenced.Add(node);
            }
        }

        var placed = engine.TryPlaceGang(job.Replicas, placements);
        foreach (var node in fenced)
        {
            cluster.SetState(node, NodeState.Ready);
        }

        if (placed && !room.Admit(job.Replicas, job.Duration, placements))
        {
            Undo(cluster, job, placements);
            placed = false;
        }

        return placed;
    }

    private static bool FitsNow(PlacementEngine engine, ClusterState cluster, QueuedJob job, NodePlacement[] placements) =>
        Probe(engine, cluster, job, placements);

    /// <summary>EASY's reservation for <paramref name="head"/>: release what holds resources in order of remaining
    /// duration until the head fits; the cluster is left as it was.</summary>
    /// <returns>Null when the head does not fit even once every listed job has ended.</returns>
    private static ReservationRoom? Reserve(QueuedJob head, PlacementEngine engine, ClusterState cluster, List<Holding> holdings)
    {
        var order = new List<Holding>(holdings);
        // Unknown remaining durations last; ties by job id so that the plan is deterministic.
        order.Sort(static (a, b) => a.Remaining is { } x && b.Remaining is { } y
            ? (x != y ? x.CompareTo(y) : a.JobId.CompareTo(b.JobId))
            : a.Remaining is not null ? -1 : b.Remaining is not null ? 1 : a.JobId.CompareTo(b.JobId));

        // A cheap necessary condition before each probe: the cluster-wide free CPU, memory and GPU cover the gang.
        var need = Total(head.Replicas);
        var free = cluster.TotalCapacity - cluster.TotalAllocated;
        var placements = new NodePlacement[head.Replicas.Count];
        var released = 0;
        var fits = false;
        TimeSpan? startsIn = null;
        while (released < order.Count)
        {
            var remaining = order[released].Remaining;
            while (released < order.Count && order[released].Remaining == remaining)
            {
                Release(cluster, order[released]);
                free += Total(order[released].Requests);
                released++;
            }

            if (free.CpuMilli >= need.CpuMilli && free.MemoryMiB >= need.MemoryMiB && free.GpuMilli >= need.GpuMilli
                && Probe(engine, cluster, head, placements))
            {
                fits = true;
                startsIn = remaining;
                break;
            }
        }

        ReservationRoom? room = null;
        if (fits && engine.TryPlaceGang(head.Replicas, placements))
        {
            room = ReservationRoom.Capture(cluster, new Reservation(head.Id, startsIn, [.. placements]));
            Undo(cluster, head, placements);
        }

        for (var i = released - 1; i >= 0; i--)
        {
            var h = order[i];
            for (var r = 0; r < h.Requests.Count; r++)
            {
                cluster.Allocate(h.Placements[r].Node, h.Requests[r], h.Placements[r].Gpus);
            }
        }

        return room;
    }

    private static List<Holding> Holdings(IReadOnlyList<BoundJob> bound)
    {
        var result = new List<Holding>(bound.Count);
        foreach (var job in bound)
        {
            var requests = new TaskRequest[job.Tasks.Count];
            var placements = new NodePlacement[job.Tasks.Count];
            for (var i = 0; i < job.Tasks.Count; i++)
            {
                requests[i] = job.Tasks[i].Request;
                placements[i] = job.Tasks[i].Placement;
            }

            result.Add(new Holding(job.Id, requests, placements, job.Remaining));
        }

        return result;
    }

    private static void Release(ClusterState cluster, Holding holding)
    {
        for (var r = 0; r < holding.Requests.Count; r++)
        {
            cluster.Release(holding.Placements[r].Node, holding.Requests[r], holding.Placements[r].Gpus);
        }
    }

    private static void Undo(ClusterState cluster, QueuedJob job, NodePlacement[] placements)
    {
        for (var i = job.Replicas.Count - 1; i >= 0; i--)
        {
            cluster.Release(placements[i].Node, job.Replicas[i], placements[i].Gpus);
        }
    }

    /// <summary>A cached engine on the empty copy of <see cref="Source"/>, valid while the same nodes are Down.</summary>
    private sealed record EmptyEngine(ClusterState Source, bool[] Down, PlacementEngine Engine);

    /// <summary>A job holding resources during a cycle (bound before it or this cycle), for EASY's reservation.</summary>
    private sealed record Holding(long JobId, IReadOnlyList<TaskRequest> Requests, IReadOnlyList<NodePlacement> Placements, TimeSpan? Remaining);

    /// <summary>The placement engine for a cycle on <paramref name="cluster"/>: the previous cycle's when it ran on the same
    /// cluster object with the same options (a simulator's or the server's long-lived cluster), so that its caches and
    /// the FGD model survive between cycles; its caches follow node versions, so changes made in between are seen.</summary>
    private PlacementEngine EngineFor(ClusterState cluster, PlacementOptions cycleOptions)
    {
        if (_engine is null || !ReferenceEquals(_engine.Cluster, cluster) || !ReferenceEquals(_engine.Options, cycleOptions))
        {
            _engine = new PlacementEngine(cluster, policy, cycleOptions);
        }

        return _engine;
    }

    /// <summary>An engine on the cluster with nothing allocated (for "never fits" reasons), kept while the cluster object,
    /// the options and which nodes are Down stay the same.</summary>
    private PlacementEngine EmptyEngineFor(ClusterState cluster, PlacementOptions cycleOptions)
    {
        var down = new bool[cluster.NodeCount];
        for (var i = 0; i < down.Length; i++)
        {
            down[i] = cluster.StateOf(i) == NodeState.Down;
        }

        if (_empty is not { } cached || !ReferenceEquals(cached.Source, cluster) || !ReferenceEquals(cached.Engine.Options, cycleOptions)
            || !cached.Down.AsSpan().SequenceEqual(down))
        {
            cached = new EmptyEngine(cluster, down, new PlacementEngine(new ClusterState(EmptyCluster(cluster)), policy, cycleOptions));
            _empty = cached;
        }

        return cached.Engine;
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
        Dictionary<string, ResourceVector> usage, Dictionary<string, ResourceVector>? standing, List<Eviction> evictions, NodePlacement[] placements,
        FairSharePolicy? fair)
    {
        // Under fair share a job within its tenant's guarantee may also reclaim borrowed work of any priority.
        var reclaims = fair is not null && FairSharePolicy.Within(usage.GetValueOrDefault(job.Tenant) + Total(job.Replicas), fair.For(job.Tenant));
        var candidates = new List<BoundJob>();
        foreach (var victim in victims)
        {
            if (victim.Priority < job.Priority || (reclaims && victim.Tenant != job.Tenant))
            {
                candidates.Add(victim);
            }
        }

        if (candidates.Count == 0)
        {
            return false;
        }

        // Least important first; among equals, under fair share, the one that loses the least work (an evicted job restarts:
        // GPU-time run so far), then the most recently started, then the latest arrival.
        var byLostWork = fair is not null;
        candidates.Sort((a, b) => a.Priority != b.Priority ? a.Priority.CompareTo(b.Priority)
            : byLostWork && LostWork(a) != LostWork(b) ? LostWork(a).CompareTo(LostWork(b))
            : a.Running != b.Running ? a.Running.CompareTo(b.Running) : b.Sequence.CompareTo(a.Sequence));
        if (fair is not null && standing is not null)
        {
            // Node by node: victims that free a node the job fits on go first (see ReclaimOrder).
            candidates = ReclaimOrder.ByNode(job, engine, cluster, candidates, standing, fair, LostWork);
        }

        var released = new List<BoundJob>();
        // Fair share: what each victim tenant would hold once the released victims are gone (never below its guarantee).
        // Read from the standing usage: a tenant's work bound in this very cycle does not make its older work borrowed.
        var left = standing is null ? null : new Dictionary<string, ResourceVector>(standing, StringComparer.Ordinal);
        var fits = false;
        foreach (var candidate in candidates)
        {
            if (released.Count >= MaxVictimsPerJob)
            {
                break;
            }

            if (left is not null && candidate.Tenant != job.Tenant)
            {
                var held = left.GetValueOrDefault(candidate.Tenant);
                var taken = Total(candidate.Tasks);
                if (!FairSharePolicy.IsBorrowed(taken, held, fair!.For(candidate.Tenant)))
                {
                    continue;
                }

                left[candidate.Tenant] = held - taken;
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
            if (standing is not null)
            {
                standing[victim.Tenant] = standing.GetValueOrDefault(victim.Tenant) - Total(victim.Tasks);
            }

            var why = victim.Priority < job.Priority
                ? $"preempted by job {job.Id} (priority {job.Priority} > {victim.Priority}); waiting to be placed again"
                : $"reclaimed by job {job.Id}: tenant '{job.Tenant}' takes back its guarantee from what tenant '{victim.Tenant}' borrowed; waiting to be placed again";
            evictions.Add(new Eviction(victim.Id, job.Id, new QueueReason(QueueReasonCodes.Preempted, why, [])));
        }

        return true;
    }

    /// <summary>The first of <paramref name="blocked"/> (its tenant's jobs that found no room this cycle) that ranks before
    /// <paramref name="job"/>, fits in the tenant's guarantee by itself and could fit on the cluster were it empty; null if
    /// none. A job larger than the guarantee could never run in a private partition of it, and one that fits no node never
    /// runs at all: neither has a claim on the room below the guarantee, so neither holds the tenant's later jobs back.</summary>
    private QueuedJob? EarlierCouldFit(QueuedJob job, List<QueuedJob> blocked, Comparison<QueuedJob> order, TenantShare terms, ClusterState cluster,
        PlacementOptions cycleOptions, ref PlacementEngine? emptyEngine)
    {
        foreach (var earlier in blocked)
        {
            if (order(earlier, job) >= 0 || !FairSharePolicy.Within(Total(earlier.Replicas), terms))
            {
                continue;
            }

            emptyEngine ??= EmptyEngineFor(cluster, cycleOptions);
            if (Probe(emptyEngine, emptyEngine.Cluster, earlier, new NodePlacement[earlier.Replicas.Count]))
            {
                return earlier;
            }
        }

        return null;
    }

    /// <summary>The work a victim loses when evicted (it restarts from scratch): GPU-seconds run so far.</summary>
    private static double LostWork(BoundJob job) => job.Running.TotalSeconds * Total(job.Tasks).GpuMilli;

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

    /// <summary>Fair share order within a tenant: effective (aged) priority descending, then arrival.</summary>
    private static Comparison<QueuedJob> AgedComparison(FairSharePolicy fair) => (a, b) =>
    {
        var pa = fair.EffectivePriority(a.Priority, a.Waited);
        var pb = fair.EffectivePriority(b.Priority, b.Waited);
        return pa != pb ? pb.CompareTo(pa) : a.Sequence.CompareTo(b.Sequence);
    };

    /// <summary>The pending jobs one at a time under DRF, guaranteed work first: first every job that keeps its tenant within
    /// its guarantee, then the rest (which would borrow); in each phase a step yields the next job (in the aged order) of
    /// the tenant with the lowest weighted dominant share, read from <paramref name="usage"/> as the cycle updates it; ties
    /// by name.</summary>
    /// <remarks>Guaranteed work goes first so that idle capacity lent in a cycle is what no owner claims in that cycle: a
    /// job that would borrow never takes the free room an owner's job then has to reclaim from someone's running work.</remarks>
    private static IEnumerable<QueuedJob> DrfOrder(List<QueuedJob> sorted, Dictionary<string, ResourceVector> usage, FairSharePolicy fair,
        ResourceVector capacity)
    {
        var yielded = new HashSet<long>();
        foreach (var job in DrfPhase(sorted, usage, fair, capacity, guaranteedOnly: true))
        {
            yielded.Add(job.Id);
            yield return job;
        }

        var rest = yielded.Count == 0 ? sorted : sorted.FindAll(j => !yielded.Contains(j.Id));
        foreach (var job in DrfPhase(rest, usage, fair, capacity, guaranteedOnly: false))
        {
            yield return job;
        }
    }

    /// <summary>One DRF pass over <paramref name="sorted"/>; with <paramref name="guaranteedOnly"/> a tenant offers only its
    /// jobs that keep it within its guarantee at the time they are considered (the others are left for the next pass;
    /// a tenant's usage only grows in a pass, so a job left out once stays out).</summary>
    private static IEnumerable<QueuedJob> DrfPhase(List<QueuedJob> sorted, Dictionary<string, ResourceVector> usage, FairSharePolicy fair,
        ResourceVector capacity, bool guaranteedOnly)
    {
        var queues = new SortedDictionary<string, Queue<QueuedJob>>(StringComparer.Ordinal);
        foreach (var job in sorted)
        {
            if (!queues.TryGetValue(job.Tenant, out var queue))
            {
                queue = new Queue<QueuedJob>();
                queues[job.Tenant] = queue;
            }

            queue.Enqueue(job);
        }

        while (queues.Count > 0)
        {
            string? pick = null;
            var lowest = double.PositiveInfinity;
            foreach (var tenant in queues.Keys)
            {
                var share = fair.WeightedShare(tenant, usage.GetValueOrDefault(tenant), capacity);
                if (share < lowest)
                {
                    lowest = share;
                    pick = tenant;
                }
            }

            pick ??= queues.Keys.First();
            var next = queues[pick];
            if (guaranteedOnly)
            {
                var terms = fair.For(pick);
                var held = usage.GetValueOrDefault(pick);
                while (next.Count > 0 && !FairSharePolicy.Within(held + Total(next.Peek().Replicas), terms))
                {
                    next.Dequeue();
                }

                if (next.Count == 0)
                {
                    queues.Remove(pick);
                    continue;
                }
            }

            yield return next.Dequeue();
            if (next.Count == 0)
            {
                queues.Remove(pick);
            }
        }
    }

    /// <summary>The reason of a job fair share keeps waiting: whether it would borrow or is within its guarantee, and who
    /// borrows what now (and whether that is preemptible, i.e. reclaimable).</summary>
    private static QueueReason FairShareReason(QueuedJob job, QueueReason reason, Dictionary<string, ResourceVector> usage, FairSharePolicy fair,
        List<BoundJob> victims)
    {
        var terms = fair.For(job.Tenant);
        var used = usage.GetValueOrDefault(job.Tenant);
        var within = FairSharePolicy.Within(used + Total(job.Replicas), terms);
        var borrowers = new List<string>();
        foreach (var (tenant, held) in usage)
        {
            if (tenant == job.Tenant)
            {
                continue;
            }

            var borrowed = FairSharePolicy.Borrowed(held, fair.For(tenant));
            if (borrowed.GpuMilli > 0 || borrowed.CpuMilli > 0)
            {
                var reclaimable = victims.Exists(v => v.Tenant == tenant);
                borrowers.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"'{tenant}' borrows {borrowed.GpuMilli / 1000.0:0.###} GPU, {borrowed.CpuMilli / 1000.0:0.###} CPU ({(reclaimable ? "preemptible work among it" : "none of it preemptible")})"));
            }
        }

        borrowers.Sort(StringComparer.Ordinal);
        var who = borrowers.Count == 0 ? "no tenant borrows now" : "borrowers: " + string.Join("; ", borrowers);
        var message = within
            ? $"{reason.Message}; within tenant '{job.Tenant}''s guarantee, so it may reclaim borrowed preemptible work, but none it could take makes room ({who}); it starts when borrowed work ends or becomes reclaimable"
            : $"{reason.Message}; tenant '{job.Tenant}' would borrow beyond its guarantee {terms.Guarantee} (holds {used}), which only idle capacity allows and never by reclaim ({who}); it starts when capacity frees and its tenant has the lowest weighted share";
        return reason with { Code = QueueReasonCodes.FairShare, Message = message };
    }

    private static QueueReason Explain(QueuedJob job, PlacementEngine engine, PlacementEngine emptyEngine)
    {
        if (TopologyReasons.Explain(job, engine, emptyEngine) is { } topology)
        {
            return topology;
        }

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

    /// <summary>Frees every task of a bound job on <paramref name="cluster"/> (an eviction or a what-if; also used by <see cref="ReclaimOrder"/>).</summary>
    internal static void Release(ClusterState cluster, BoundJob job)
    {
        foreach (var task in job.Tasks)
        {
            cluster.Release(task.Placement.Node, task.Request, task.Placement.Gpus);
        }
    }

    /// <summary>Takes back every task of a bound job on <paramref name="cluster"/> (undoing <see cref="Release(ClusterState, BoundJob)"/>).</summary>
    internal static void Allocate(ClusterState cluster, BoundJob job)
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
