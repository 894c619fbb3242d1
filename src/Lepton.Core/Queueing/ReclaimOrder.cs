using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Resources;
using Lepton.Core.Workloads;

namespace Lepton.Core.Queueing;

/// <summary>Orders fair-share reclaim victims by node, so that the victims released first are those that free a node the
/// waiting job actually fits on.</summary>
/// <remarks>
/// <para>Taking victims in a cluster-wide order (least important, then least work lost) spends the borrowers' reclaimable
/// amount on victims scattered over nodes that never become wide enough for the job: a tenant borrowing 8 GPUs as four
/// 2-GPU jobs on four nodes can give up all four (its whole borrowed amount) without freeing the 8 GPUs of one node that an
/// 8-GPU job needs, and then nothing of it is reclaimable any more. The guaranteed job waits although the room it is owed
/// exists. With a private partition of its guarantee it would have started.</para>
/// <para>So, for every node that holds a candidate, this finds the shortest prefix of that node's candidates (in the
/// given order, each taken only while its tenant stays at or above its guarantee) after which the job's widest replica
/// fits there. Nodes that can be freed that way come first, the cheapest first (the most important victim they need,
/// then the work they lose, then fewer victims, then the node's index); each contributes just that prefix. Every other
/// candidate follows in the given order, so a gang that needs several nodes, or a job no single node can hold, still sees
/// every candidate. The caller releases in this order until the job fits and then spares every victim it can do without,
/// so the victim set stays minimal.</para>
/// <para>Cost: one feasibility check of one node per candidate task, and each candidate is released and put back once per
/// node it runs on; the cluster is unchanged on return.</para>
/// </remarks>
internal static class ReclaimOrder
{
    /// <summary>Reorders <paramref name="candidates"/> (already sorted by preference) node by node for <paramref name="job"/>.</summary>
    /// <param name="job">The job that reclaims.</param>
    /// <param name="engine">The placement engine over <paramref name="cluster"/>.</param>
    /// <param name="cluster">The cluster as it is now (unchanged on return).</param>
    /// <param name="candidates">Victims allowed for the job, in preference order.</param>
    /// <param name="standing">What each tenant holds now (the reclaim budget: a victim of another tenant is taken only
    /// while that tenant stays at or above its guarantee).</param>
    /// <param name="fair">The tenants' terms.</param>
    /// <param name="lostWork">The work a victim loses if evicted.</param>
    public static List<BoundJob> ByNode(QueuedJob job, PlacementEngine engine, ClusterState cluster, List<BoundJob> candidates,
        IReadOnlyDictionary<string, ResourceVector> standing, FairSharePolicy fair, Func<BoundJob, double> lostWork)
    {
        var widest = Widest(job.Replicas);
        var onNode = new SortedDictionary<int, List<BoundJob>>();
        foreach (var candidate in candidates)
        {
            foreach (var task in candidate.Tasks)
            {
                if (!onNode.TryGetValue(task.Placement.Node, out var list))
                {
                    list = [];
                    onNode[task.Placement.Node] = list;
                }

                if (list.Count == 0 || !ReferenceEquals(list[^1], candidate))
                {
                    list.Add(candidate);
                }
            }
        }

        var options = new List<(int Node, int Priority, double Lost, List<BoundJob> Victims)>();
        var budget = new Dictionary<string, ResourceVector>(StringComparer.Ordinal);
        foreach (var (node, list) in onNode)
        {
            if (engine.ScoreOf(widest, node) is not null)
            {
                continue;   // fits there already: the caller's first probe would have found it
            }

            budget.Clear();
            var taken = new List<BoundJob>();
            var fits = false;
            foreach (var candidate in list)
            {
                if (candidate.Tenant != job.Tenant)
                {
                    var held = budget.TryGetValue(candidate.Tenant, out var b) ? b : standing.GetValueOrDefault(candidate.Tenant);
                    var amount = Total(candidate);
                    if (!FairSharePolicy.IsBorrowed(amount, held, fair.For(candidate.Tenant)))
                    {
                        continue;
                    }

                    budget[candidate.Tenant] = held - amount;
                }

                QueuePlanner.Release(cluster, candidate);
                taken.Add(candidate);
                if (engine.ScoreOf(widest, node) is not null)
                {
                    fits = true;
                    break;
                }
            }

            for (var i = taken.Count - 1; i >= 0; i--)
            {
                QueuePlanner.Allocate(cluster, taken[i]);
            }

            if (fits)
            {
                var priority = 0;
                var lost = 0.0;
                foreach (var victim in taken)
                {
                    priority = Math.Max(priority, victim.Priority);
                    lost += lostWork(victim);
                }

                options.Add((node, priority, lost, taken));
            }
        }

        options.Sort(static (a, b) => a.Priority != b.Priority ? a.Priority.CompareTo(b.Priority)
            : a.Lost != b.Lost ? a.Lost.CompareTo(b.Lost)
            : a.Victims.Count != b.Victims.Count ? a.Victims.Count.CompareTo(b.Victims.Count)
            : a.Node.CompareTo(b.Node));
        var ordered = new List<BoundJob>(candidates.Count);
        var seen = new HashSet<long>();
        foreach (var option in options)
        {
            foreach (var victim in option.Victims)
            {
                if (seen.Add(victim.Id))
                {
                    ordered.Add(victim);
                }
            }
        }

        foreach (var candidate in candidates)
        {
            if (seen.Add(candidate.Id))
            {
                ordered.Add(candidate);
            }
        }

        return ordered;
    }

    /// <summary>The replica asking for the most GPU, then CPU, then memory: the one a freed node must hold.</summary>
    private static TaskRequest Widest(IReadOnlyList<TaskRequest> replicas)
    {
        var widest = replicas[0];
        foreach (var r in replicas)
        {
            if ((r.TotalGpuMilli, r.CpuMilli, r.MemoryMiB).CompareTo((widest.TotalGpuMilli, widest.CpuMilli, widest.MemoryMiB)) > 0)
            {
                widest = r;
            }
        }

        return widest;
    }

    private static ResourceVector Total(BoundJob job)
    {
        var total = ResourceVector.Zero;
        foreach (var t in job.Tasks)
        {
            total += t.Request.Request;
        }

        return total;
    }
}
