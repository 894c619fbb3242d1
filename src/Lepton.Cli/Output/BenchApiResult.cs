namespace Lepton.Cli.Output;

/// <summary>What <c>lepton bench api --json</c> prints: the load, throughput and latencies (milliseconds).</summary>
internal sealed record BenchApiResult
{
    public int Nodes { get; init; }
    public int Jobs { get; init; }
    public int Concurrency { get; init; }
    public string Policy { get; init; } = "";
    public int Accepted { get; init; }
    public int Failed { get; init; }
    public double SubmitSeconds { get; init; }
    public double SubmissionsPerSecond { get; init; }
    public double SubmitLatencyP50Ms { get; init; }
    public double SubmitLatencyP99Ms { get; init; }
    public double ScheduledLatencyP50Ms { get; init; }
    public double ScheduledLatencyP99Ms { get; init; }
    public double ScheduledLatencyMaxMs { get; init; }
    public int Scheduled { get; init; }
    public long SchedulingCycles { get; init; }
    public double SchedulingCycleMeanMs { get; init; }
}
