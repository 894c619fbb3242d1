using Lepton.Core.Cluster;
using Lepton.Core.Workloads;

namespace Lepton.Core.Placement.Batch;

/// <summary>An upper bound on the milli-GPU any placement of a subset of <c>tasks</c> on empty <c>nodes</c> can allocate.</summary>
/// <remarks>Any policy, online or offline, that places some of the tasks allocates at most this much; the simulator reports
/// each policy's gap to it. Implemented outside Core (an LP solver).</remarks>
public interface IPackingBound
{
    /// <summary>The bound in milli-GPU for placing (a subset of) <paramref name="tasks"/> on <paramref name="nodes"/>.</summary>
    double UpperBoundGpuMilli(IReadOnlyList<NodeSpec> nodes, IReadOnlyList<TaskRequest> tasks);
}
