using Lepton.Simulation.Jobs;

namespace Lepton.Simulation.Traces;

/// <summary>A job trace as read: the jobs to replay, and the rows that never ran in the original cluster (kept out of the
/// replay and reported separately).</summary>
/// <param name="Format">The format the file was read as (see <see cref="JobTraceFormats"/>).</param>
/// <param name="Jobs">The jobs to replay, in file order.</param>
/// <param name="NeverRan">Rows the trace records as never started (openb pods with no <c>scheduled_time</c>).</param>
public sealed record JobTrace(string Format, IReadOnlyList<SimulatedJob> Jobs, IReadOnlyList<NeverRanJob> NeverRan)
{
    /// <summary>Jobs still running when the trace ended (their durations stop at the trace's end).</summary>
    public int Censored => Jobs.Count(j => j.Censored);
}
