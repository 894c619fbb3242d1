namespace Lepton.Simulation.Traces;

/// <summary>A trace row for a job that never ran in the original cluster, so it has no run time to replay.</summary>
/// <param name="Name">The job's name in the trace.</param>
/// <param name="Line">Its 1-based line.</param>
/// <param name="Reason">Why it is not replayed, e.g. <c>pod_phase Pending: never scheduled</c>.</param>
public sealed record NeverRanJob(string Name, int Line, string Reason);
