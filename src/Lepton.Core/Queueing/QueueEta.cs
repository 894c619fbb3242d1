using Lepton.Core.Placement;

namespace Lepton.Core.Queueing;

/// <summary>The answer of a <see cref="QueueForecast"/>: when and where the job starts, behind whom, evicting whom.</summary>
/// <param name="StartsIn">From now until it starts; null when it never does in the forecast (it can never fit, or the
/// forecast ran out of steps).</param>
/// <param name="Placements">Where its replicas land (node indexes and GPUs), empty when it never starts.</param>
/// <param name="StartsBefore">Queued jobs the forecast starts before it (the jobs it waits behind), in start order.</param>
/// <param name="Preempts">Running jobs evicted to make room for it.</param>
/// <param name="Steps">Planner cycles the forecast took.</param>
public sealed record QueueEta(TimeSpan? StartsIn, IReadOnlyList<NodePlacement> Placements, IReadOnlyList<long> StartsBefore, IReadOnlyList<long> Preempts, int Steps);
