namespace Lepton.Core.Placement;

/// <summary>Totals of a placement: tasks, placed tasks, and the share of cluster GPU, CPU and memory allocated, in percent.</summary>
public sealed record PlacementSummary(int Tasks, int Placed, double GpuAllocatedPct, double CpuAllocatedPct, double MemoryAllocatedPct);
