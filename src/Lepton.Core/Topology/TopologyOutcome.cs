namespace Lepton.Core.Topology;

/// <summary>What topology-aware placement did for the last gang it was asked about: placed or not, and why.</summary>
/// <param name="Placed">True when the gang was placed.</param>
/// <param name="Message">Where it went and what it gave up, or why it waits (names the level or constraint).</param>
/// <param name="Domain">The domain it was kept in (e.g. <c>zone=a/rack=r1</c>; <c>cluster</c> when spread anywhere); null when not placed.</param>
/// <param name="GaveUpLevel">The preferred level it could not keep, or null.</param>
/// <param name="Transfer">The data transfer estimate (the slowest replica's) when the job names its data.</param>
/// <param name="LatencyMs">Users' latency to the farthest replica when the job states a latency budget.</param>
public sealed record TopologyOutcome(bool Placed, string Message, string? Domain, string? GaveUpLevel, TransferEstimate? Transfer, double? LatencyMs);
