using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Workloads;

namespace Lepton.Core.Tests.Power;

/// <summary>The three nodes of PWR-SPEC §5 in their "before" state, and the task (4 vCPU, half a GPU) placed on them.</summary>
internal static class WorkedExample
{
    public static (ClusterState State, TaskRequest Task) Cluster()
    {
        NodeSpec[] nodes =
        [
            new() { Name = "node-a", CpuMilli = 104_000, MemoryMiB = 1 << 20, GpuCount = 2, GpuModel = "T4" },
            new() { Name = "node-b", CpuMilli = 96_000, MemoryMiB = 1 << 20, GpuCount = 8, GpuModel = "G2" },
            new() { Name = "node-c", CpuMilli = 48_000, MemoryMiB = 1 << 20, GpuCount = 4, GpuModel = "V100M32" },
        ];
        var state = new ClusterState(nodes);
        // node-a: GPU0 has 400 milli left, 96 vCPU free; node-c: GPU0 has 500 left, 18 vCPU free.
        state.Allocate(0, new TaskRequest { Name = "a0", CpuMilli = 8000, GpuCount = 1, GpuMilliPerGpu = 600 }, GpuSet.Empty.With(0));
        state.Allocate(2, new TaskRequest { Name = "c0", CpuMilli = 30000, GpuCount = 1, GpuMilliPerGpu = 500 }, GpuSet.Empty.With(0));
        return (state, new TaskRequest { Name = "t", CpuMilli = 4000, GpuCount = 1, GpuMilliPerGpu = 500 });
    }
}
