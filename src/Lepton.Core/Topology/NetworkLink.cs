namespace Lepton.Core.Topology;

/// <summary>One hop of the network: the bandwidth one flow gets through it and the latency it adds.</summary>
/// <param name="BandwidthGbps">Bandwidth in Gbit/s (positive).</param>
/// <param name="LatencyMs">One-way latency in milliseconds (zero or more).</param>
public readonly record struct NetworkLink(double BandwidthGbps, double LatencyMs);
