using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Resources;
using Lepton.Simulation.Engine;

namespace Lepton.Simulation.Jobs;

/// <summary>Replays a job trace over simulated time: jobs arrive, queue, are placed by a Core policy, run for their
/// duration and leave, freeing their resources.</summary>
/// <remarks>
/// <para>Events run on a <see cref="DiscreteEventSimulator{TEvent}"/>. At one instant, departures go first (priority 0),
/// then arrivals (1), then one scheduling pass (2) — so a job arriving when another leaves sees the freed capacity,
/// and every instant ends with exactly one pass and one utilisation sample.</para>
/// <para>A pass offers the queued jobs to the engine in the chosen <see cref="JobOrder"/>; each job's replicas are
/// placed all or nothing (<see cref="PlacementEngine.TryPlaceGang"/>). A job that does not fit stays queued and the
/// pass goes on with the next one (backfilling), so a large job at the head never idles the whole cluster.
/// Departures release through <see cref="ClusterState.Release"/>; the engine's caches follow node versions.</para>
/// <para>Jobs still queued when no event is left can never run (they do not fit even on what is free at the end);
/// they are reported with Core's pending reason.</para>
/// </remarks>
public static class JobSimulation
{
    private const int DeparturePriority = 0;
    private const int ArrivalPriority = 1;
    private const int PassPriority = 2;

    /// <summary>Runs <paramref name="jobs"/> on <paramref name="nodes"/> with <paramref name="policy"/>.</summary>
    /// <param name="nodes">The cluster (prices and idle/peak watts feed cost and energy).</param>
    /// <param name="jobs">The jobs, in file order.</param>
    /// <param name="policy">A Core policy.</param>
    /// <param name="order">Queue order.</param>
    /// <param name="seed">Seed for tie-break ranks and the random policy.</param>
    public static JobSimulationResult Run(IReadOnlyList<NodeSpec> nodes, IReadOnlyList<SimulatedJob> jobs, PlacementPolicy policy, JobOrder order, int seed = 42)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(jobs);
        ArgumentNullException.ThrowIfNull(policy);
        var state = new ClusterState(nodes);
        var engine = new PlacementEngine(state, policy, new PlacementOptions
        {
            Seed = seed,
            TargetWorkload = TargetWorkload.FromTasks([.. jobs.SelectMany(j => j.Replicas)]),
        });
        var simulator = new DiscreteEventSimulator<JobEvent>();
        var starts = new TimeSpan?[jobs.Count];
        var finishes = new TimeSpan?[jobs.Count];
        var placements = new NodePlacement[jobs.Count][];
        var queue = new List<int>();
        var timeline = new List<UtilisationSample>();
        var comparer = Comparer(jobs, order);
        TimeSpan? passQueuedFor = null;
        var running = 0;

        for (var i = 0; i < jobs.Count; i++)
        {
            simulator.Schedule(jobs[i].Arrival, ArrivalPriority, new JobEvent(JobEventKind.Arrival, i));
        }

        void RequestPass()
        {
            if (passQueuedFor != simulator.Now)
            {
                simulator.Schedule(simulator.Now, PassPriority, new JobEvent(JobEventKind.Pass, -1));
                passQueuedFor = simulator.Now;
            }
        }

        simulator.Run((e, _) =>
        {
            switch (e.Kind)
            {
                case JobEventKind.Arrival:
                    queue.Add(e.Job);
                    RequestPass();
                    break;

                case JobEventKind.Departure:
                    var job = jobs[e.Job];
                    for (var r = 0; r < job.Replicas.Count; r++)
                    {
                        state.Release(placements[e.Job][r].Node, job.Replicas[r], placements[e.Job][r].Gpus);
                    }

                    finishes[e.Job] = simulator.Now;
                    running--;
                    RequestPass();
                    break;

                case JobEventKind.Pass:
                    passQueuedFor = null;
                    queue.Sort(comparer);
                    for (var q = 0; q < queue.Count;)
                    {
                        var index = queue[q];
                        var result = new NodePlacement[jobs[index].Replicas.Count];
                        if (engine.TryPlaceGang(jobs[index].Replicas, result))
                        {
                            placements[index] = result;
                            starts[index] = simulator.Now;
                            running++;
                            // A gang runs at the pace of its slowest replica's GPU model.
                            var runTime = result.Length == 0 ? jobs[index].Duration : result.Max(p => jobs[index].DurationOn(state.NodeAt(p.Node).GpuModel));
                            simulator.Schedule(simulator.Now + runTime, DeparturePriority, new JobEvent(JobEventKind.Departure, index));
                            queue.RemoveAt(q);
                        }
                        else
                        {
                            q++;
                        }
                    }

                    timeline.Add(Sample(state, simulator.Now, running, queue.Count));
                    break;
            }
        });

        var outcomes = new JobOutcome[jobs.Count];
        for (var i = 0; i < jobs.Count; i++)
        {
            var job = jobs[i];
            var reason = starts[i] is null ? (job.Replicas.Count == 0 ? "the job has no replicas" : engine.Explain(job.Replicas[0]).Message) : null;
            var nodeNames = placements[i] is { } placed ? placed.Select(p => state.NodeAt(p.Node).Name).ToArray() : [];
            outcomes[i] = new JobOutcome(job.Name, job.Arrival, starts[i], finishes[i], nodeNames, job.Cost, reason);
        }

        var start = jobs.Count == 0 ? TimeSpan.Zero : jobs.Min(j => j.Arrival);
        var end = finishes.Where(f => f is not null).Select(f => f!.Value).DefaultIfEmpty(start).Max();
        var hours = (end - start).TotalHours;
        var clusterCost = nodes.Sum(n => n.PricePerHour) * hours;
        return new JobSimulationResult(policy.Name, order, outcomes, start, end, Average(timeline, start, end, state.TotalCapacity),
            timeline, clusterCost, Energy(timeline, start, end));
    }

    private static Comparison<int> Comparer(IReadOnlyList<SimulatedJob> jobs, JobOrder order) => order switch
    {
        JobOrder.Fifo => (a, b) => ByArrival(jobs, a, b),
        JobOrder.Priority => (a, b) => jobs[b].Priority.CompareTo(jobs[a].Priority) is var c && c != 0 ? c : ByArrival(jobs, a, b),
        JobOrder.LongestFirst => (a, b) => jobs[b].Duration.CompareTo(jobs[a].Duration) is var c && c != 0 ? c : ByArrival(jobs, a, b),
        JobOrder.ShortestFirst => (a, b) => jobs[a].Duration.CompareTo(jobs[b].Duration) is var c && c != 0 ? c : ByArrival(jobs, a, b),
        _ => throw new ArgumentOutOfRangeException(nameof(order), order, "unknown job order"),
    };

    private static int ByArrival(IReadOnlyList<SimulatedJob> jobs, int a, int b) =>
        jobs[a].Arrival.CompareTo(jobs[b].Arrival) is var c && c != 0 ? c : a.CompareTo(b);

    private static UtilisationSample Sample(ClusterState state, TimeSpan now, int running, int queued)
    {
        var capacity = state.TotalCapacity;
        var allocated = state.TotalAllocated;
        var watts = 0.0;
        for (var n = 0; n < state.NodeCount; n++)
        {
            var spec = state.NodeAt(n);
            watts += spec.IdleWatts + ((spec.PeakWatts - spec.IdleWatts) * NodeUtilisation(state.Capacity(n), state.Allocated(n)));
        }

        return new UtilisationSample(now,
            Pct(allocated.CpuMilli, capacity.CpuMilli), Pct(allocated.MemoryMiB, capacity.MemoryMiB), Pct(allocated.GpuMilli, capacity.GpuMilli),
            Pct(allocated.Fpga, capacity.Fpga), Pct(allocated.NetworkMbps, capacity.NetworkMbps), running, queued, watts);
    }

    /// <summary>A node's utilisation for its power draw: its GPU share when it has GPUs (they dominate power), else CPU.</summary>
    private static double NodeUtilisation(ResourceVector capacity, ResourceVector allocated) =>
        capacity.GpuMilli > 0 ? (double)allocated.GpuMilli / capacity.GpuMilli
        : capacity.CpuMilli > 0 ? (double)allocated.CpuMilli / capacity.CpuMilli
        : 0;

    private static double Pct(long used, long capacity) => capacity > 0 ? 100.0 * used / capacity : double.NaN;

    private static ResourceUtilisation Average(IReadOnlyList<UtilisationSample> timeline, TimeSpan start, TimeSpan end, ResourceVector capacity)
    {
        double Integral(Func<UtilisationSample, double> value) => Integrate(timeline, start, end, value);
        var span = (end - start).TotalHours;
        double Mean(Func<UtilisationSample, double> value, long cap) =>
            cap <= 0 ? double.NaN : span <= 0 ? 0 : Integral(value) / span;
        return new ResourceUtilisation(
            Mean(s => s.CpuPct, capacity.CpuMilli), Mean(s => s.MemoryPct, capacity.MemoryMiB), Mean(s => s.GpuPct, capacity.GpuMilli),
            Mean(s => s.FpgaPct, capacity.Fpga), Mean(s => s.NetworkPct, capacity.NetworkMbps));
    }

    private static double Energy(IReadOnlyList<UtilisationSample> timeline, TimeSpan start, TimeSpan end) =>
        Integrate(timeline, start, end, s => s.PowerWatts) / 1000.0;

    /// <summary>∫ value dt over [start, end] in value·hours, holding each sample's value until the next sample.</summary>
    private static double Integrate(IReadOnlyList<UtilisationSample> timeline, TimeSpan start, TimeSpan end, Func<UtilisationSample, double> value)
    {
        var total = 0.0;
        for (var i = 0; i < timeline.Count; i++)
        {
            var from = timeline[i].Time < start ? start : timeline[i].Time;
            var to = i + 1 < timeline.Count ? timeline[i + 1].Time : end;
            if (to > end)
            {
                to = end;
            }

            if (to > from)
            {
                total += value(timeline[i]) * (to - from).TotalHours;
            }
        }

        return total;
    }

    private enum JobEventKind
    {
        Arrival,
        Departure,
        Pass,
    }

    private readonly record struct JobEvent(JobEventKind Kind, int Job);
}
