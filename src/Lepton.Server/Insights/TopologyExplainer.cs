using Lepton.Client.Insights;
using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Workloads;

namespace Lepton.Server.Insights;

/// <summary>The topology line of <c>job explain</c>: for a job with a topology wish, data or a latency budget, a probe
/// of its gang on the cluster as it is: where it would go (kept level, transfer estimate, latency) or the level or
/// constraint it waits for.</summary>
internal static class TopologyExplainer
{
    // Which domains qualify does not depend on the policy; firstfit needs no target workload.
    private static readonly PlacementPolicy ProbePolicy = PolicyRegistry.Get("firstfit");

    /// <summary>The verdict, or null when the job asks for none of these.</summary>
    /// <param name="now">The cluster with every bound task allocated; left as it was.</param>
    /// <param name="replicas">The job's replicas.</param>
    public static (ConstraintVerdict Verdict, bool Placed)? Verdict(ClusterState now, IReadOnlyList<TaskRequest> replicas)
    {
        if (replicas.Count == 0 || (replicas[0].Topology is null && replicas[0].Data is null && replicas[0].Latency is null))
        {
            return null;
        }

        var engine = new PlacementEngine(now, ProbePolicy);
        var placements = new NodePlacement[replicas.Count];
        var placed = engine.TryPlaceGang(replicas, placements);
        if (placed)
        {
            for (var i = replicas.Count - 1; i >= 0; i--)
            {
                now.Release(placements[i].Node, replicas[i], placements[i].Gpus);
            }
        }

        var message = engine.LastTopology?.Message ?? "no topology outcome";
        return (new ConstraintVerdict
        {
            Constraint = "topology",
            NodesRuledOut = placed ? 0 : now.NodeCount,
            NodesConsidered = now.NodeCount,
            Message = message,
        }, placed);
    }
}
