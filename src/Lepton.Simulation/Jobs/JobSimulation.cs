using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Power;
using Lepton.Core.Queueing;
using Lepton.Core.Resources;
using Lepton.Core.Workloads;
using Lepton.Simulation.Engine;

namespace Lepton.Simulation.Jobs;

/// <summary>Replays a job trace over simulated time: jobs arrive, queue, are planned by Core's <see cref="QueuePlanner"/>
/// (the server's scheduler), run for their duration on the GPU model they landed on and leave, freeing their resources.</summary>
/// <remarks>
/// <para>Events run on a <see cref="DiscreteEventSimulator{TEvent}"/>. At one instant, departures go first (priority 0),
/// then arrivals (1), then one scheduling cycle (2) — so a job arriving when another leaves sees the freed capacity,
/// and every instant ends with exactly one cycle and one sample.</para>
/// <para>A cycle is one call to <see cref="QueuePlanner.Plan(ClusterState, IReadOnlyList{BoundJob}, IReadOnlyList{QueuedJob}, IReadOnlyDictionary{string, ResourceVector}, IReadOnlyDictionary{string, ResourceVector})"/>
/// on the long-lived cluster, exactly as the server's scheduling loop calls it: the simulator has no queue discipline
/// of its own. Job ids are file positions; the arrival order (ties: file order) is the queue sequence, as submission
/// order is on the server. The planner sees each job's declared duration, or its true duration when none is declared
/// (the longest over the cluster's GPU models while it waits, the one on its model once it runs).</para>
/// <para>A preempted job loses its work and queues again (the server restarts it); its pending departure is dropped.</para>
/// <para>With <see cref="JobSimulationOptions.Defrag"/>, a consolidation round (after arrivals, before the cycle) asks Core's
/// consolidation planner, the one behind <c>lepton defrag</c>, for moves of the running one-replica jobs and carries
/// them out: each moved job's departure is dropped, as for a preemption, and it resumes on the plan's node after the
/// move cost, with the work it had done or starting over (see <see cref="DefragOptions"/>); the cycle that follows sees the freed room.
/// By default a round's moves are carried out only when they let a waiting job fit that did not fit before.</para>
/// <para>Jobs still queued when no event is left can never run; they are reported with the planner's reason.</para>
/// </remarks>
public static class JobSimulation
{
    private const int DeparturePriority = 0;
    private const int ArrivalPriority = 1;
    private const int DefragPriority = 2;
    private const int PassPriority = 3;

    /// <summary>Runs <paramref name="jobs"/> on <paramref name="nodes"/> with <paramref name="policy"/> under <paramref name="discipline"/>.</summary>
    public static JobSimulationResult Run(IReadOnlyList<NodeSpec> nodes, IReadOnlyList<SimulatedJob> jobs, PlacementPolicy policy, QueueDiscipline discipline, int seed = 42) =>
        Run(nodes, jobs, policy, new JobSimulationOptions { Discipline = discipline, Seed = seed });

    /// <summary>Runs <paramref name="jobs"/> on <paramref name="nodes"/> with <paramref name="policy"/>.</summary>
    /// <param name="nodes">The cluster (prices and idle/peak watts feed cost and energy).</param>
    /// <param name="jobs">The jobs, in file order.</param>
    /// <param name="policy">A Core placement policy.</param>
    /// <param name="options">Queue discipline, seed and quotas.</param>
    public static JobSimulationResult Run(IReadOnlyList<NodeSpec> nodes, IReadOnlyList<SimulatedJob> jobs, PlacementPolicy policy, JobSimulationOptions options)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(jobs);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(options);
        var state = new ClusterState(nodes);
        var allTasks = jobs.SelectMany(j => j.Replicas).ToList();
        var target = TargetWorkload.FromTasks(allTasks);
        var placementOptions = new PlacementOptions { Seed = options.Seed, TargetWorkload = target, Network = options.Network };
        var topology = options.Network is { } network ? new Lepton.Core.Topology.ClusterTopology(state, network) : null;
        var effects = new Topology.TopologyEffect?[jobs.Count];
        var plannerReplicas = options.TopologyBlind ? jobs.Select(j => Topology.TopologyEffect.Blind(j.Replicas)).ToArray() : null;
        // Explaining every waiting job every pass would cost a node scan each; only the jobs that never start need one.
        var planner = new QueuePlanner(policy, placementOptions) { Discipline = options.Discipline, ExplainWaiting = false };
        var predictor = options.LearnRuntimes ? new Lepton.Core.Prediction.RuntimePredictor() : null;
        var fragmentation = new FragmentationTracker(state, target);
        var stranding = Stranding.Of(allTasks);
        var power = new ClusterPower(state, options.PowerModel);
        var powerDown = options.PowerDown is { } down ? new PowerDownController(state, down, policy, placementOptions) : null;
        var passesAt = new HashSet<TimeSpan>();
        int wakes = 0, powerOffs = 0;
        string?[] models = [.. nodes.Select(n => n.GpuCount > 0 ? n.GpuModel : null).Distinct()];

        // Queue sequence: arrival order, ties by file order (the order a replay would submit them to the server).
        var sequence = new long[jobs.Count];
        var byArrival = Enumerable.Range(0, jobs.Count).OrderBy(i => jobs[i].Arrival).ThenBy(i => i).ToArray();
        for (var rank = 0; rank < byArrival.Length; rank++)
        {
            sequence[byArrival[rank]] = rank;
        }

        var simulator = new DiscreteEventSimulator<JobEvent>();
        var starts = new TimeSpan?[jobs.Count];
        var finishes = new TimeSpan?[jobs.Count];
        var expectedEnd = new TimeSpan[jobs.Count];
        var attempts = new int[jobs.Count];
        var preemptions = new int[jobs.Count];
        var reservedFirst = new TimeSpan?[jobs.Count];
        var reservedLast = new TimeSpan?[jobs.Count];
        var reasons = new QueueReason?[jobs.Count];
        var landedOn = new string[jobs.Count];
        var placements = new NodePlacement[jobs.Count][];
        var moved = new int[jobs.Count];
        var movedUntil = new TimeSpan[jobs.Count];
        var moveDelay = new TimeSpan[jobs.Count];   // time lost to moves since the job's last start
        var defrag = options.Defrag;
        var consolidation = defrag is null ? null : defrag.Planner ?? new Lepton.Core.Placement.Consolidation.GreedyConsolidationPlanner();
        int defragRounds = 0, defragMoves = 0, arrivalsLeft = jobs.Count;
        var queue = new List<int>();
        var running = new HashSet<int>();
        var usage = new Dictionary<string, ResourceVector>(StringComparer.Ordinal);
        var timeline = new List<UtilisationSample>();
        TimeSpan? passQueuedFor = null;

        for (var i = 0; i < jobs.Count; i++)
        {
            simulator.Schedule(jobs[i].Arrival, ArrivalPriority, new JobEvent(JobEventKind.Arrival, i, 0));
        }

        if (defrag is not null && jobs.Count > 0)
        {
            simulator.Schedule(jobs.Min(j => j.Arrival) + defrag.Every, DefragPriority, new JobEvent(JobEventKind.Defrag, -1, 0));
        }

        void RequestPass()
        {
            if (passQueuedFor != simulator.Now)
            {
                simulator.Schedule(simulator.Now, PassPriority, new JobEvent(JobEventKind.Pass, -1, 0));
                passQueuedFor = simulator.Now;
            }
        }

        void Leave(int index)
        {
            running.Remove(index);
            var job = jobs[index];
            usage[job.Tenant] = usage.GetValueOrDefault(job.Tenant) - Total(job.Replicas);
        }

        simulator.Run((e, _) =>
        {
            switch (e.Kind)
            {
                case JobEventKind.Arrival:
                    arrivalsLeft--;
                    queue.Add(e.Job);
                    RequestPass();
                    break;

                case JobEventKind.Departure:
                    if (e.Attempt != attempts[e.Job] || !running.Contains(e.Job))
                    {
                        break;   // preempted since: this run never ends
                    }

                    var job = jobs[e.Job];
                    for (var r = 0; r < job.Replicas.Count; r++)
                    {
                        state.Release(placements[e.Job][r].Node, job.Replicas[r], placements[e.Job][r].Gpus);
                    }

                    finishes[e.Job] = simulator.Now;
                    // Time lost to moves is no part of the job's run time.
                    predictor?.Observe(SimulatedRuntime.Features(job), simulator.Now - starts[e.Job]!.Value - moveDelay[e.Job]);
                    Leave(e.Job);
                    RequestPass();
                    break;

                case JobEventKind.Pass:
                    passQueuedFor = null;
                    var now = simulator.Now;
                    passesAt.Remove(now);
                    // Nodes whose wake-up delay has passed take work in this very cycle.
                    powerDown?.CompleteWakes(now);
                    var pending = new List<QueuedJob>(queue.Count);
                    foreach (var index in queue)
                    {
                        var j = jobs[index];
                        pending.Add(new QueuedJob(index, j.Tenant, j.Priority, sequence[index], plannerReplicas?[index] ?? j.Replicas,
                            predictor is not null ? predictor.Predict(SimulatedRuntime.Features(j))?.Expected
                            : options.DurationsKnown ? j.DeclaredDuration ?? Longest(j, models) : (TimeSpan?)null, now - j.Arrival));
                    }

                    var bound = new List<BoundJob>();
                    foreach (var index in running)
                    {
                        var j = jobs[index];
                        if (!planner.NeedsAllBoundJobs && !j.Preemptible)
                        {
                            continue;
                        }

                        var tasks = new BoundTask[j.Replicas.Count];
                        for (var r = 0; r < tasks.Length; r++)
                        {
                            tasks[r] = new BoundTask(j.Replicas[r], placements[index][r]);
                        }

                        var end = j.DeclaredDuration is { } declared
                            ? starts[index]!.Value + declared + moveDelay[index]
                            : expectedEnd[index];
                        var known = options.DurationsKnown;
                        if (predictor is not null)
                        {
                            // Learning: the planner knows only the prediction (nothing before there is any history).
                            var predicted = predictor.Predict(SimulatedRuntime.Features(j));
                            known = predicted is not null;
                            end = predicted is null ? end : now + SimulatedRuntime.Remaining(predicted.Expected, now - starts[index]!.Value);
                        }
                        bound.Add(new BoundJob(index, j.Tenant, j.Priority, j.Preemptible, sequence[index], tasks,
                            !known ? null : end > now ? end - now : TimeSpan.Zero, now - starts[index]!.Value));
                    }

                    // Sorted so that the planner sees the same input whatever the hash set's order.
                    bound.Sort(static (a, b) => a.Id.CompareTo(b.Id));
                    var plan = options.FairShare is { } fair
                        ? planner.Plan(state, bound, pending, fair, usage)
                        : planner.Plan(state, bound, pending, options.Quotas, usage);
                    foreach (var eviction in plan.Evictions)
                    {
                        var index = (int)eviction.JobId;
                        Leave(index);
                        attempts[index]++;
                        preemptions[index]++;
                        moveDelay[index] = TimeSpan.Zero;
                        starts[index] = null;
                        placements[index] = null!;
                        queue.Add(index);
                    }

                    var boundNow = new HashSet<int>();
                    foreach (var binding in plan.Bindings)
                    {
                        var index = (int)binding.JobId;
                        var j = jobs[index];
                        placements[index] = [.. binding.Placements];
                        starts[index] = now;
                        reasons[index] = null;
                        running.Add(index);
                        boundNow.Add(index);
                        usage[j.Tenant] = usage.GetValueOrDefault(j.Tenant) + Total(j.Replicas);
                        var (model, duration) = Landed(j, binding.Placements, state);
                        if (topology is not null)
                        {
                            effects[index] = Topology.TopologyEffect.Of(topology, j, binding.Placements, duration, options.GangCommFraction);
                            duration = effects[index]!.Duration;
                        }

                        landedOn[index] = model;
                        expectedEnd[index] = now + duration;
                        simulator.Schedule(now + duration, DeparturePriority, new JobEvent(JobEventKind.Departure, index, attempts[index]));
                    }

                    queue.RemoveAll(boundNow.Contains);
                    foreach (var (id, reason) in plan.Waiting)
                    {
                        reasons[id] = reason;
                    }

                    if (plan.Reservation is { StartsIn: { } startsIn } reservation)
                    {
                        var at = now + startsIn;
                        var index = (int)reservation.JobId;
                        reservedFirst[index] ??= at;
                        reservedLast[index] = at;
                    }

                    if (powerDown is not null)
                    {
                        // The what-if places the waiting jobs in the planner's order, so the nodes it wakes go to the jobs the planner serves first.
                        var waiting = options.Discipline.Order == QueueOrder.Priority
                            ? queue.OrderByDescending(i => jobs[i].Priority).ThenBy(i => sequence[i])
                            : queue.OrderBy(i => sequence[i]);
                        var decision = powerDown.Decide(now, [.. waiting.Select(i => jobs[i].Replicas)]);
                        foreach (var node in decision.PowerOff)
                        {
                            power.SetPoweredOn(node, false);
                        }

                        // A waking node draws its idle power while it boots.
                        foreach (var node in decision.Wake)
                        {
                            power.SetPoweredOn(node, true);
                        }

                        wakes += decision.Wake.Count;
                        powerOffs += decision.PowerOff.Count;
                        if (decision.NextDecisionAt is { } at && passesAt.Add(at))
                        {
                            simulator.Schedule(at, PassPriority, new JobEvent(JobEventKind.Pass, -1, 0));
                        }
                    }

                    timeline.Add(Sample(state, now, running.Count, queue.Count, fragmentation, stranding, power));
                    break;

                case JobEventKind.Defrag:
                    if (running.Count > 0 || arrivalsLeft > 0)
                    {
                        simulator.Schedule(simulator.Now + defrag!.Every, DefragPriority, new JobEvent(JobEventKind.Defrag, -1, 0));
                    }

                    if (queue.Count == 0 && !defrag!.WhenIdle)
                    {
                        break;
                    }

                    var movedNow = Consolidate(consolidation!, defrag!, simulator.Now);
                    if (movedNow > 0)
                    {
                        defragRounds++;
                        defragMoves += movedNow;
                        RequestPass();
                    }

                    break;
            }
        });

        // One consolidation round: plan on the live cluster, then move each job as planned (its old departure is dropped).
        int Consolidate(Lepton.Core.Placement.Consolidation.IConsolidationPlanner planner, DefragOptions settings, TimeSpan now)
        {
            var movable = new List<Lepton.Core.Placement.Consolidation.MovableTask>();
            var jobOf = new List<int>();
            // Sorted so that the planner sees the same input whatever the hash set's order.
            foreach (var index in running.Order())
            {
                var j = jobs[index];
                // A job still in its move window does not move again; gangs never move (evicting one replica requeues all).
                if (j.Replicas.Count == 1 && (settings.MoveAll || j.Preemptible) && movedUntil[index] <= now)
                {
                    movable.Add(new(j.Name, j.Replicas[0], placements[index][0]));
                    jobOf.Add(index);
                }
            }

            if (movable.Count == 0)
            {
                return 0;
            }

            var moves = planner.Plan(new Lepton.Core.Placement.Consolidation.ConsolidationRequest(state, movable) { Goal = settings.Goal, MaxMoves = settings.MaxMoves }).Moves;
            if (moves.Count == 0)
            {
                return 0;
            }

            var feasibility = new Lepton.Core.Placement.Batch.BatchFeasibility(state);
            var fitBefore = settings.OnlyWhenUseful ? Fitting(feasibility) : null;
            // Moves are applied in the plan's order, the order in which the planner checked them, so none overfills.
            foreach (var move in moves)
            {
                var task = jobs[jobOf[move.Task]].Replicas[0];
                state.Release(move.From.Node, task, move.From.Gpus);
                state.Allocate(move.To.Node, task, move.To.Gpus);
            }

            if (fitBefore is not null && Fitting(feasibility).All(fitBefore.Contains))
            {
                // Nobody who waits gains from these moves: put everything back.
                for (var k = moves.Count - 1; k >= 0; k--)
                {
                    var task = jobs[jobOf[moves[k].Task]].Replicas[0];
                    state.Release(moves[k].To.Node, task, moves[k].To.Gpus);
                    state.Allocate(moves[k].From.Node, task, moves[k].From.Gpus);
                }

                return 0;
            }

            foreach (var move in moves)
            {
                var index = jobOf[move.Task];
                var j = jobs[index];
                var before = landedOn[index];
                var (model, duration) = Landed(j, [move.To], state);
                var left = expectedEnd[index] > now ? expectedEnd[index] - now : TimeSpan.Zero;
                var was = j.DurationOn(string.IsNullOrEmpty(before) ? null : before);
                // The work left is a share of the whole run; on another GPU model that share takes that model's time.
                var remaining = !settings.KeepWork ? duration : was > TimeSpan.Zero && model != before ? duration * (left / was) : left;
                if (!settings.KeepWork)
                {
                    // Started over, as after a preemption: the new run is the one that counts.
                    starts[index] = now;
                    moveDelay[index] = TimeSpan.Zero;
                }

                placements[index] = [move.To];
                landedOn[index] = model;
                attempts[index]++;
                moved[index]++;
                movedUntil[index] = now + settings.MoveCost;
                moveDelay[index] += settings.MoveCost;
                expectedEnd[index] = now + settings.MoveCost + remaining;
                simulator.Schedule(expectedEnd[index], DeparturePriority, new JobEvent(JobEventKind.Departure, index, attempts[index]));
            }

            return moves.Count;
        }

        // The waiting jobs each of whose replicas has a node that passes every filter now.
        HashSet<int> Fitting(Lepton.Core.Placement.Batch.BatchFeasibility feasibility)
        {
            var fit = new HashSet<int>();
            foreach (var index in queue)
            {
                if (jobs[index].Replicas.All(r => feasibility.FeasibleNodes(r).Count > 0))
                {
                    fit.Add(index);
                }
            }

            return fit;
        }

        if (queue.Count > 0)
        {
            // Nothing runs any more: one explained cycle says why each job left can never start.
            var explainer = new QueuePlanner(policy, placementOptions) { Discipline = options.Discipline };
            var left = queue.Select(i => new QueuedJob(i, jobs[i].Tenant, jobs[i].Priority, sequence[i], jobs[i].Replicas)).ToList();
            var final = explainer.Plan(new QueueSnapshot(nodes, [], left, options.Quotas, options.FairShare));
            foreach (var (id, reason) in final.Waiting)
            {
                reasons[id] = reason;
            }
        }

        var outcomes = new JobOutcome[jobs.Count];
        for (var i = 0; i < jobs.Count; i++)
        {
            var job = jobs[i];
            var reason = starts[i] is null ? (job.Replicas.Count == 0 ? "the job has no replicas" : reasons[i]?.Message ?? "never considered") : null;
            var nodeNames = placements[i] is { } placed ? placed.Select(p => state.NodeAt(p.Node).Name).ToArray() : [];
            outcomes[i] = new JobOutcome(job.Name, job.Arrival, starts[i], finishes[i], nodeNames, job.Cost, reason)
            {
                Tenant = job.Tenant,
                Gpus = job.Gpus,
                Replicas = job.Replicas.Count,
                GpuModel = landedOn[i] ?? "",
                FastestDuration = Fastest(job, models),
                Deadline = job.Deadline,
                Preemptions = preemptions[i],
                Moves = moved[i],
                ReservedStart = reservedFirst[i],
                LatestReservedStart = reservedLast[i],
                Topology = starts[i] is null ? null : effects[i],
            };
        }

        var start = jobs.Count == 0 ? TimeSpan.Zero : jobs.Min(j => j.Arrival);
        var end = finishes.Where(f => f is not null).Select(f => f!.Value).DefaultIfEmpty(start).Max();
        var hours = (end - start).TotalHours;
        var clusterCost = nodes.Sum(n => n.PricePerHour) * hours;
        return new JobSimulationResult(policy.Name, options.Discipline, outcomes, start, end, Average(timeline, start, end, state.TotalCapacity),
            timeline, clusterCost, Energy(timeline, start, end))
        {
            Seed = options.Seed,
            TotalGpus = nodes.Sum(n => n.GpuCount),
            Wakes = wakes,
            PowerOffs = powerOffs,
            PowerDown = powerDown is not null,
            DefragRounds = defragRounds,
            DefragMoves = defragMoves,
        };
    }

    /// <summary>The GPU model a placed job runs on and its run time there: for a gang over several models, the slowest.</summary>
    private static (string Model, TimeSpan Duration) Landed(SimulatedJob job, IReadOnlyList<NodePlacement> placements, ClusterState state)
    {
        string? model = null;
        var duration = TimeSpan.Zero;
        for (var r = 0; r < placements.Count; r++)
        {
            var node = state.NodeAt(placements[r].Node);
            var m = node.GpuCount > 0 && job.Replicas[r].GpuCount > 0 ? node.GpuModel : null;
            var d = job.DurationOn(m);
            if (model is null || d > duration)
            {
                model = m ?? "";
                duration = d;
            }
        }

        return (model ?? "", placements.Count == 0 ? job.DurationOn(null) : duration);
    }

    private static TimeSpan Longest(SimulatedJob job, string?[] models)
    {
        var longest = TimeSpan.Zero;
        foreach (var m in models)
        {
            var d = job.DurationOn(m);
            longest = d > longest ? d : longest;
        }

        return models.Length == 0 ? job.DurationOn(null) : longest;
    }

    private static TimeSpan Fastest(SimulatedJob job, string?[] models)
    {
        TimeSpan? fastest = null;
        foreach (var m in models)
        {
            if (m is null && job.Gpus > 0)
            {
                continue;   // a GPU job cannot run on a node without GPUs
            }

            var d = job.DurationOn(m);
            fastest = fastest is null || d < fastest ? d : fastest;
        }

        return fastest ?? job.DurationOn(null);
    }

    private static ResourceVector Total(IReadOnlyList<TaskRequest> replicas)
    {
        var total = ResourceVector.Zero;
        foreach (var r in replicas)
        {
            total += r.Request;
        }

        return total;
    }

    private static UtilisationSample Sample(ClusterState state, TimeSpan now, int running, int queued, FragmentationTracker fragmentation, Stranding stranding,
        ClusterPower power)
    {
        var capacity = state.TotalCapacity;
        var allocated = state.TotalAllocated;
        var watts = power.TotalWatts;
        var stranded = 0;
        for (var n = 0; n < state.NodeCount; n++)
        {
            stranded += stranding.StrandedGpus(state, n);
        }

        return new UtilisationSample(now,
            Pct(allocated.CpuMilli, capacity.CpuMilli), Pct(allocated.MemoryMiB, capacity.MemoryMiB), Pct(allocated.GpuMilli, capacity.GpuMilli),
            Pct(allocated.Fpga, capacity.Fpga), Pct(allocated.NetworkMbps, capacity.NetworkMbps), running, queued, watts,
            capacity.GpuMilli > 0 ? fragmentation.TotalFragmentedMilli / ClusterState.MilliPerGpu : 0,
            capacity.GpuMilli > 0 ? fragmentation.FragmentationRatioPct : 0,
            stranded);
    }

    private static double Pct(long used, long capacity) => capacity > 0 ? 100.0 * used / capacity : double.NaN;

    private static ResourceUtilisation Average(IReadOnlyList<UtilisationSample> timeline, TimeSpan start, TimeSpan end, ResourceVector capacity)
    {
        double Integral(Func<UtilisationSample, double> value) => TimelineMath.Integrate(timeline, start, end, value);
        var span = (end - start).TotalHours;
        double Mean(Func<UtilisationSample, double> value, long cap) =>
            cap <= 0 ? double.NaN : span <= 0 ? 0 : Integral(value) / span;
        return new ResourceUtilisation(
            Mean(s => s.CpuPct, capacity.CpuMilli), Mean(s => s.MemoryPct, capacity.MemoryMiB), Mean(s => s.GpuPct, capacity.GpuMilli),
            Mean(s => s.FpgaPct, capacity.Fpga), Mean(s => s.NetworkPct, capacity.NetworkMbps));
    }

    private static double Energy(IReadOnlyList<UtilisationSample> timeline, TimeSpan start, TimeSpan end) =>
        TimelineMath.Integrate(timeline, start, end, s => s.PowerWatts) / 1000.0;

    private enum JobEventKind
    {
        Arrival,
        Departure,
        Pass,
        Defrag,
    }

    private readonly record struct JobEvent(JobEventKind Kind, int Job, int Attempt);
}
