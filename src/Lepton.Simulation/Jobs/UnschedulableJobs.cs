using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Workloads;

namespace Lepton.Simulation.Jobs;

/// <summary>Finds the jobs of a trace that can never run on a cluster: they do not fit even when the cluster is empty.</summary>
/// <remarks>Each distinct job shape (request, models, selector, limits, replica count) is tried once as a gang on an empty
/// copy of the cluster with <c>firstfit</c>; feasibility does not depend on the policy. A job that fails gets Core's
/// pending reason (which constraint rules out how many nodes), so a <c>v100</c> that matches no node says so.</remarks>
public static class UnschedulableJobs
{
    /// <summary>The jobs of <paramref name="jobs"/> that can never run on <paramref name="nodes"/>, with why, in trace order.</summary>
    public static IReadOnlyList<(SimulatedJob Job, string Reason)> Find(IReadOnlyList<NodeSpec> nodes, IReadOnlyList<SimulatedJob> jobs)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(jobs);
        var state = new ClusterState(nodes);
        var engine = new PlacementEngine(state, PolicyRegistry.Get("firstfit"));
        var verdicts = new Dictionary<string, string?>(StringComparer.Ordinal);
        var found = new List<(SimulatedJob, string)>();
        var placements = new NodePlacement[16];
        foreach (var job in jobs)
        {
            if (job.Replicas.Count == 0)
            {
                continue;
            }

            var key = Shape(job.Replicas);
            if (!verdicts.TryGetValue(key, out var reason))
            {
                reason = Try(engine, job.Replicas, ref placements);
                verdicts.Add(key, reason);
            }

            if (reason is not null)
            {
                found.Add((job, reason));
            }
        }

        return found;
    }

    private static string? Try(PlacementEngine engine, IReadOnlyList<TaskRequest> replicas, ref NodePlacement[] placements)
    {
        if (placements.Length < replicas.Count)
        {
            placements = new NodePlacement[replicas.Count];
        }

        if (engine.TryPlaceGang(replicas, placements))
        {
            for (var r = 0; r < replicas.Count; r++)
            {
                engine.Cluster.Release(placements[r].Node, replicas[r], placements[r].Gpus);
            }

            return null;
        }

        var explained = engine.Explain(replicas[0]);
        return explained.Code == "Schedulable"
            ? $"its {replicas.Count} replicas do not fit on the cluster at once, even when it is empty"
            : explained.Message;
    }

    /// <summary>A key equal for jobs that are feasible alike: the first replica's request and constraints plus the gang size.</summary>
    private static string Shape(IReadOnlyList<TaskRequest> replicas)
    {
        var t = replicas[0];
        return string.Join('\u001f',
            replicas.Count, t.CpuMilli, t.MemoryMiB, t.GpuCount, t.GpuMilliPerGpu, string.Join('|', t.GpuModels), t.Fpga, t.NetworkMbps, t.RdmaMilli,
            t.MaxPerNode, string.Join(';', t.NodeSelector.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + "=" + kv.Value)));
    }
}
