using Lepton.Core.Placement;
using Lepton.Core.Topology;
using Lepton.Core.Workloads;
using Lepton.Simulation.Jobs;

namespace Lepton.Simulation.Topology;

/// <summary>What the network did to one job where it landed: how many racks and zones its gang spanned, the gang traffic
/// that crossed them, the data it moved and the time that took, and its users' latency.</summary>
/// <param name="Duration">Run time including data transfer and the gang's slowed communication.</param>
/// <param name="Racks">Distinct racks (deepest topology level) its replicas used.</param>
/// <param name="Zones">Distinct zones (second level, or the outermost when there is one) its replicas used.</param>
/// <param name="GangTrafficGiB">Data the gang exchanges (0 for a single replica).</param>
/// <param name="TransferTime">Time to move its data to its nodes (zero without data).</param>
/// <param name="DataMovedGiB">Data moved out of the domain it sits in (0 when it ran next to its data).</param>
/// <param name="LatencyMs">Users' latency to its farthest replica; null without a latency budget.</param>
/// <param name="LatencyMiss">True when that latency is over the budget; null without one.</param>
public sealed record TopologyEffect(TimeSpan Duration, int Racks, int Zones, double GangTrafficGiB, TimeSpan TransferTime, double DataMovedGiB,
    double? LatencyMs, bool? LatencyMiss)
{
    /// <summary>The replicas with their topology, data and latency fields removed (what a topology-blind planner sees).</summary>
    public static IReadOnlyList<TaskRequest> Blind(IReadOnlyList<TaskRequest> replicas)
    {
        if (replicas.Count == 0 || (replicas[0].Topology is null && replicas[0].Data is null && replicas[0].Latency is null))
        {
            return replicas;
        }

        return [.. replicas.Select(r => r with { Topology = null, Data = null, Latency = null })];
    }

    /// <summary>Charges <paramref name="job"/>, placed at <paramref name="placements"/> with compute time
    /// <paramref name="compute"/>, for its network use.</summary>
    /// <remarks>
    /// <para>Gang: a share <paramref name="commFraction"/> of the compute time is communication at the speed of two nodes
    /// in one rack; spread wider it runs at the bottleneck bandwidth between the two farthest replicas instead (and on
    /// one node it is free). The traffic is what that share moves at rack speed.</para>
    /// <para>Data: moved before the job computes, taking the slowest replica's <see cref="TransferEstimate"/>.</para>
    /// </remarks>
    public static TopologyEffect Of(ClusterTopology topology, SimulatedJob job, IReadOnlyList<NodePlacement> placements, TimeSpan compute, double commFraction)
    {
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(placements);
        var levels = topology.Network.Levels.Count;
        var rackLevel = levels - 1;
        var zoneLevel = Math.Min(1, levels - 1);
        var racks = Distinct(topology, placements, rackLevel);
        var zones = Distinct(topology, placements, zoneLevel);
        var duration = compute;
        var traffic = 0.0;
        if (placements.Count > 1 && levels > 0)
        {
            var rackGbps = topology.Network.NodeUplink.BandwidthGbps;
            var slowest = double.PositiveInfinity;
            var distinctNodes = placements.Select(p => p.Node).Distinct().ToArray();
            if (distinctNodes.Length > 1)
            {
                // The bottleneck between the first replica's node and each other one (data "at" a node's own path).
                var anchor = Anchor(topology, distinctNodes[0]);
                foreach (var node in distinctNodes.Skip(1))
                {
                    slowest = Math.Min(slowest, topology.EstimateTransfer(1, anchor, node).BottleneckGbps);
                }

                slowest = Math.Min(slowest, topology.Network.NodeUplink.BandwidthGbps);
                var comm = compute.TotalSeconds * commFraction;
                duration = TimeSpan.FromSeconds((compute.TotalSeconds - comm) + (comm * rackGbps / slowest));
                traffic = comm * rackGbps / 8 / 1.073741824;
            }
        }

        var transfer = TimeSpan.Zero;
        var moved = 0.0;
        if (job.Replicas.Count > 0 && job.Replicas[0].Data is { } data && topology.Locate(data.At) is { } at)
        {
            var worst = 0.0;
            var outside = false;
            foreach (var p in placements)
            {
                worst = Math.Max(worst, topology.EstimateTransfer(data.SizeMiB, at, p.Node).Seconds);
                outside |= !string.Equals(topology.ValueOf(p.Node, at.Level), at.Path[at.Level], StringComparison.Ordinal);
            }

            transfer = TimeSpan.FromSeconds(worst);
            moved = outside ? data.SizeMiB / 1024.0 : 0;
            duration += transfer;
        }

        double? latency = null;
        bool? miss = null;
        if (job.Replicas.Count > 0 && job.Replicas[0].Latency is { } budget && topology.Locate(budget.Users) is { } users)
        {
            latency = placements.Max(p => topology.LatencyMs(users, p.Node));
            miss = latency > budget.BudgetMs;
        }

        return new TopologyEffect(duration, racks, zones, traffic, transfer, moved, latency, miss);
    }

    private static TopologyLocation Anchor(ClusterTopology topology, int node)
    {
        var levels = topology.Network.Levels.Count;
        var path = new string?[levels];
        for (var k = 0; k < levels; k++)
        {
            path[k] = topology.ValueOf(node, k);
        }

        return new TopologyLocation(levels - 1, path, topology.Cluster.NodeAt(node).Name);
    }

    private static int Distinct(ClusterTopology topology, IReadOnlyList<NodePlacement> placements, int level)
    {
        if (level < 0)
        {
            return 1;
        }

        var seen = new HashSet<int>();
        foreach (var p in placements)
        {
            var d = topology.DomainOf(level, p.Node);
            seen.Add(d < 0 ? -1 - p.Node : d);
        }

        return seen.Count;
    }
}
