namespace Lepton.Server.Scheduling;

/// <summary>Counters and histograms the scheduling loop records for <c>/metrics</c>.</summary>
internal sealed class SchedulingMetrics
{
    /// <summary>Upper bounds (seconds) of the latency histogram buckets.</summary>
    public static readonly double[] Buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    private readonly object _gate = new();

    public Histogram QueueWait { get; } = new(Buckets);
    public Histogram CycleDuration { get; } = new(Buckets);
    public long Preemptions { get; set; }

    public void ObserveQueueWait(double seconds)
    {
        lock (_gate)
        {
            QueueWait.Observe(seconds);
        }
    }

    public void ObserveCycle(double seconds)
    {
        lock (_gate)
        {
            CycleDuration.Observe(seconds);
        }
    }

    /// <summary>Copies both histograms under the lock.</summary>
    public (Histogram QueueWait, Histogram Cycle) Snapshot()
    {
        lock (_gate)
        {
            return (QueueWait.Copy(), CycleDuration.Copy());
        }
    }

    /// <summary>A cumulative Prometheus-style histogram.</summary>
    internal sealed class Histogram(double[] bounds)
    {
        public double[] Bounds { get; } = bounds;
        public long[] Counts { get; private init; } = new long[bounds.Length];
        public long Count { get; private set; }
        public double Sum { get; private set; }

        public void Observe(double value)
        {
            for (var i = 0; i < Bounds.Length; i++)
            {
                if (value <= Bounds[i])
                {
                    Counts[i]++;
                }
            }

            Count++;
            Sum += value;
        }

        public Histogram Copy() => new(Bounds) { Counts = (long[])Counts.Clone(), Count = Count, Sum = Sum };
    }
}
