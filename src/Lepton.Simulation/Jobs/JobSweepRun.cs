namespace Lepton.Simulation.Jobs;

/// <summary>One run of a job sweep: its policy, queue discipline and seed, the result and its metrics.</summary>
public sealed record JobSweepRun(string Policy, string Queue, int Seed, JobSimulationResult Result, JobMetrics Metrics);
