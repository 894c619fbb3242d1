using Lepton.Simulation.Jobs;

namespace Lepton.Simulation.Topology;

/// <summary>The topology metrics of one job simulation: gang traffic across racks and zones, data moved and transfer
/// time, latency-budget misses, and completion times.</summary>
/// <param name="Label">Run label (policy and mode).</param>
/// <param name="Finished">Jobs that finished.</param>
/// <param name="AverageJct">Mean completion time of finished jobs.</param>
/// <param name="AverageQueueing">Mean queueing delay of started jobs.</param>
/// <param name="GangsCrossRack">Gangs whose replicas spanned more than one rack.</param>
/// <param name="Gangs">Gangs that started.</param>
/// <param name="CrossRackTrafficTiB">Gang traffic of gangs spanning racks.</param>
/// <param name="CrossZoneTrafficTiB">Gang traffic of gangs spanning zones.</param>
/// <param name="DataMovedTiB">Data moved out of the zone it sits in.</param>
/// <param name="AverageTransfer">Mean data-transfer time of jobs with data.</param>
/// <param name="LatencyMisses">Jobs with a latency budget placed over it.</param>
/// <param name="LatencyJobs">Jobs with a latency budget that started.</param>
/// <param name="AverageJctGang">Mean completion time of gangs.</param>
/// <param name="AverageJctData">Mean completion time of jobs with data.</param>
public sealed record TopologySummary(string Label, int Finished, TimeSpan AverageJct, TimeSpan AverageQueueing, int GangsCrossRack, int Gangs,
    double CrossRackTrafficTiB, double CrossZoneTrafficTiB, double DataMovedTiB, TimeSpan AverageTransfer, int LatencyMisses, int LatencyJobs,
    TimeSpan AverageJctGang, TimeSpan AverageJctData)
{
    /// <summary>Summarises <paramref name="result"/> (run with a network model) of <paramref name="jobs"/>.</summary>
    public static TopologySummary Of(string label, JobSimulationResult result, IReadOnlyList<SimulatedJob> jobs)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(jobs);
        var outcomes = result.Jobs;
        var finished = outcomes.Where(o => o.CompletionTime is not null).ToList();
        var started = outcomes.Where(o => o.Topology is not null).ToList();
        var gangs = started.Where(o => o.Replicas > 1).ToList();
        var data = outcomes.Select((o, i) => (o, j: jobs[i])).Where(x => x.o.Topology is not null && x.j.Replicas[0].Data is not null).ToList();
        var latency = started.Where(o => o.Topology!.LatencyMiss is not null).ToList();
        return new TopologySummary(label, finished.Count,
            Mean(finished.Select(o => o.CompletionTime!.Value)),
            Mean(outcomes.Where(o => o.QueueingDelay is not null).Select(o => o.QueueingDelay!.Value)),
            gangs.Count(o => o.Topology!.Racks > 1), gangs.Count,
            gangs.Where(o => o.Topology!.Racks > 1).Sum(o => o.Topology!.GangTrafficGiB) / 1024,
            gangs.Where(o => o.Topology!.Zones > 1).Sum(o => o.Topology!.GangTrafficGiB) / 1024,
            data.Sum(x => x.o.Topology!.DataMovedGiB) / 1024,
            Mean(data.Select(x => x.o.Topology!.TransferTime)),
            latency.Count(o => o.Topology!.LatencyMiss == true), latency.Count,
            Mean(finished.Where(o => o.Replicas > 1).Select(o => o.CompletionTime!.Value)),
            Mean(data.Where(x => x.o.CompletionTime is not null).Select(x => x.o.CompletionTime!.Value)));
    }

    private static TimeSpan Mean(IEnumerable<TimeSpan> spans)
    {
        var list = spans.ToList();
        return list.Count == 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(list.Average(s => s.TotalSeconds));
    }
}
