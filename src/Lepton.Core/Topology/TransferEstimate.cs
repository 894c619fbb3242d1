using System.Globalization;

namespace Lepton.Core.Topology;

/// <summary>The estimated time to move a job's data to a node: size over the bottleneck bandwidth, plus latency.</summary>
/// <param name="SizeMiB">Data size in MiB.</param>
/// <param name="BottleneckGbps">The slowest hop's bandwidth on the path (infinite when the data is already there).</param>
/// <param name="LatencyMs">Sum of the hops' latencies.</param>
/// <param name="Path">The levels the path climbs, e.g. <c>node>rack>tier</c>, or <c>local</c>.</param>
public readonly record struct TransferEstimate(long SizeMiB, double BottleneckGbps, double LatencyMs, string Path)
{
    /// <summary>Transfer time in seconds: bits / bandwidth + latency (0 when local).</summary>
    public double Seconds => double.IsPositiveInfinity(BottleneckGbps) ? 0
        : (SizeMiB * 8.0 * 1024 * 1024 / (BottleneckGbps * 1e9)) + (LatencyMs / 1000.0);

    /// <summary>Transfer time as a span.</summary>
    public TimeSpan Time => TimeSpan.FromSeconds(Seconds);

    /// <inheritdoc/>
    public override string ToString() => double.IsPositiveInfinity(BottleneckGbps)
        ? "0 s (data is local)"
        : string.Create(CultureInfo.InvariantCulture,
            $"{FormatSeconds(Seconds)} ({SizeMiB / 1024.0:0.#} Gi / {BottleneckGbps:0.##} Gbps + {LatencyMs:0.###} ms over {Path})");

    /// <summary>Seconds as <c>12.3 s</c>, <c>4.5 min</c> or <c>1.2 h</c>.</summary>
    public static string FormatSeconds(double seconds) => seconds >= 3600
        ? string.Create(CultureInfo.InvariantCulture, $"{seconds / 3600:0.##} h")
        : seconds >= 60 ? string.Create(CultureInfo.InvariantCulture, $"{seconds / 60:0.#} min")
        : string.Create(CultureInfo.InvariantCulture, $"{seconds:0.##} s");
}
