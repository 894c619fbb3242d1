using Lepton.Core.Placement;
using Lepton.Core.Topology;

namespace Lepton.Core.Queueing;

/// <summary>Reasons and binding notes for jobs that ask for topology, data locality or a latency budget: the level or
/// constraint that holds them back, rather than a per-node count.</summary>
internal static class TopologyReasons
{
    /// <summary>Why a topology-aware job waits, or null for any other job (the planner's usual reasons apply).</summary>
    public static QueueReason? Explain(QueuedJob job, PlacementEngine engine, PlacementEngine emptyEngine)
    {
        if (!TopologyPlacer.Applies(job.Replicas))
        {
            return null;
        }

        var placements = new NodePlacement[job.Replicas.Count];
        if (!Probe(emptyEngine, job, placements))
        {
            return new QueueReason(QueueReasonCodes.NeverFits,
                $"no current node could hold it even if empty ({emptyEngine.LastTopology?.Message}); waiting for nodes that can", []);
        }

        if (Probe(engine, job, placements))
        {
            return null;
        }

        return new QueueReason(QueueReasonCodes.Unschedulable, $"no room now: {engine.LastTopology?.Message}", []);
    }

    /// <summary>What topology-aware placement kept or gave up for a job just bound (null for any other job).</summary>
    public static string? Note(QueuedJob job, PlacementEngine engine) =>
        TopologyPlacer.Applies(job.Replicas) && engine.LastTopology is { Placed: true } outcome ? outcome.Message : null;

    private static bool Probe(PlacementEngine engine, QueuedJob job, NodePlacement[] placements)
    {
        if (!engine.TryPlaceGang(job.Replicas, placements))
        {
            return false;
        }

        for (var i = job.Replicas.Count - 1; i >= 0; i--)
        {
            engine.Cluster.Release(placements[i].Node, job.Replicas[i], placements[i].Gpus);
        }

        return true;
    }
}
