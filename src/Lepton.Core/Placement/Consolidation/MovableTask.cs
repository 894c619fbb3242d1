using Lepton.Core.Workloads;

namespace Lepton.Core.Placement.Consolidation;

/// <summary>A running task a consolidation plan may move (a preemptible one): who it is, what it asks and where it is.</summary>
/// <param name="Id">The caller's id for it (the server's job id), returned in the plan's moves.</param>
/// <param name="Task">Its request; tasks sharing a <see cref="TaskRequest.Gang"/> move together.</param>
/// <param name="Placement">Where it runs now.</param>
public sealed record MovableTask(string Id, TaskRequest Task, NodePlacement Placement);
