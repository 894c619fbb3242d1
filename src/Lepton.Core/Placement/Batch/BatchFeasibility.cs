using Lepton.Core.Cluster;
using Lepton.Core.Placement.Framework;
using Lepton.Core.Workloads;

namespace Lepton.Core.Placement.Batch;

/// <summary>Which nodes could take a task on their own right now: every filter of the standard chain (state, CPU, memory,
/// GPU model, GPU, FPGA, network, RDMA, labels, replicas per node), for a batch model to build variables from.</summary>
/// <remarks>The filters are the greedy policies' own, so a solver's candidate set is exactly what any policy could pick.
/// What several tasks take together on one node is the model's job, not this class's.</remarks>
public sealed class BatchFeasibility
{
    private readonly PlacementContext _context;

    /// <summary>Feasibility on <paramref name="cluster"/> as it is (read each time; not cached).</summary>
    public BatchFeasibility(ClusterState cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        Cluster = cluster;
        _context = new PlacementContext(cluster, new int[cluster.NodeCount], new Random(0));
    }

    /// <summary>The cluster.</summary>
    public ClusterState Cluster { get; }

    /// <summary>Indices of the nodes that pass every filter for <paramref name="task"/> now, ascending.</summary>
    public List<int> FeasibleNodes(TaskRequest task)
    {
        ArgumentNullException.ThrowIfNull(task);
        var demand = _context.Prepare(task);
        var filters = default(StandardFilters);
        var result = new List<int>();
        for (var i = 0; i < Cluster.NodeCount; i++)
        {
            if (filters.Passes(_context, i, in demand))
            {
                result.Add(i);
            }
        }

        return result;
    }

    /// <summary>Milli-GPU the task takes on each of its GPUs (0 for a task without GPU), as the filters count it.</summary>
    public static int GpuMilliPerGpu(TaskRequest task) => ClusterState.EffectiveGpuMilli(task);

    /// <summary>Number of GPUs the task takes (0 for a task without GPU).</summary>
    public static int GpuCountOf(TaskRequest task) => ClusterState.EffectiveGpuMilli(task) == 0 ? 0 : task.GpuCount;
}
