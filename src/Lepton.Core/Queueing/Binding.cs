using Lepton.Core.Placement;

namespace Lepton.Core.Queueing;

/// <summary>A job placed by a cycle: one placement per replica, in replica order.</summary>
public sealed record Binding(long JobId, IReadOnlyList<NodePlacement> Placements);
