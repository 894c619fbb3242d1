using System.Diagnostics.Metrics;

namespace Lepton.Server.Scheduling;

/// <summary>The server's <see cref="System.Diagnostics.Metrics.Meter"/> and the instruments the scheduling loop records
/// (queue wait, cycle duration, preemptions); <c>/metrics</c> exports them through OpenTelemetry's Prometheus exporter.</summary>
/// <remarks>One meter per server instance: several servers can live in one process (tests, benchmarks), and the exporter
/// of each keeps only the instruments of its own meter (see <see cref="Apis.MetricsApi"/>).</remarks>
internal sealed class SchedulingMetrics : IDisposable
{
    /// <summary>The meter name (the <c>otel_scope_name</c> of Lepton's own series).</summary>
    public const string MeterName = "Lepton.Server";

    /// <summary>Upper bounds (seconds) of the latency histogram buckets.</summary>
    public static readonly double[] Buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    private readonly Histogram<double> _queueWait;
    private readonly Histogram<double> _cycle;
    private readonly Counter<long> _preemptions;

    public SchedulingMetrics()
    {
        Meter = new Meter(MeterName, typeof(SchedulingMetrics).Assembly.GetName().Version?.ToString());
        var advice = new InstrumentAdvice<double> { HistogramBucketBoundaries = Buckets };
        _queueWait = Meter.CreateHistogram("lepton_scheduling_latency", "s",
            "Time from entering the queue (submission or requeue) to being scheduled.", tags: null, advice);
        _cycle = Meter.CreateHistogram("lepton_scheduling_cycle", "s",
            "Duration of one scheduling cycle (snapshot, plan, commit).", tags: null, advice);
        _preemptions = Meter.CreateCounter<long>("lepton_preemptions", unit: null, "Jobs evicted to make room for more important ones.");
    }

    /// <summary>This server's meter; the cluster gauges are created on it too.</summary>
    public Meter Meter { get; }

    public void ObserveQueueWait(double seconds) => _queueWait.Record(seconds);

    public void ObserveCycle(double seconds) => _cycle.Record(seconds);

    public void AddPreemptions(long count) => _preemptions.Add(count);

    public void Dispose() => Meter.Dispose();
}
