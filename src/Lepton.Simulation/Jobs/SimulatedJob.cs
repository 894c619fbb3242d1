using Lepton.Core.Workloads;

namespace Lepton.Simulation.Jobs;

/// <summary>A job in a job trace: when it arrives, how long it runs once started, what it costs, and its replicas.</summary>
/// <param name="Name">Unique job name.</param>
/// <param name="Arrival">Arrival time from the start of the trace.</param>
/// <param name="Duration">Run time once all replicas are placed.</param>
/// <param name="Cost">The job's own cost if the trace gives one (e.g. a charge-back figure); null otherwise.</param>
/// <param name="Replicas">The tasks of the job (a gang: placed all or nothing), each with the per-replica request.</param>
/// <param name="Line">The 1-based line the job starts on in its file (0 when built in code), for messages.</param>
public sealed record SimulatedJob(string Name, TimeSpan Arrival, TimeSpan Duration, double? Cost, IReadOnlyList<TaskRequest> Replicas, int Line = 0)
{
    /// <summary>The job's priority (that of its replicas), 1..9.</summary>
    public int Priority => Replicas.Count > 0 ? Replicas[0].Priority : 5;
}
