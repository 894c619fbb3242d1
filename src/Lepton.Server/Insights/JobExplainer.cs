using System.Globalization;
using Lepton.Client.Contracts;
using Lepton.Client.Insights;
using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Queueing;
using Lepton.Core.Resources;
using Lepton.Core.Workloads;
using Lepton.Server.Model;
using Lepton.Server.Scheduling;

namespace Lepton.Server.Insights;

/// <summary>Answers "why is my job pending?" from the current cluster snapshot and queue, for <c>GET /api/v1/jobs/{id}/explain</c>.</summary>
/// <remarks>
/// <para>It snapshots the control plane the way the scheduling loop does (nodes, bound tasks, queue, quotas) and asks the placement core's
/// <see cref="PlacementEngine.Explain"/> twice: on the cluster as it is (which constraints rule out which nodes now) and on
/// the same nodes with nothing allocated (could any node ever hold it?). Filters do not depend on the policy, so the
/// engine runs <c>firstfit</c>, which needs no target workload.</para>
/// <para>"What would let it run" picks the node that is closest to fitting one replica — fewest GPUs missing, then the
/// least CPU and memory missing — and names what must free up there and which running work holds it, lower-priority
/// preemptible work first. Another tenant's work is shown without its name.</para>
/// </remarks>
internal sealed class JobExplainer(ControlPlane plane)
{
    private static readonly PlacementPolicy FilterPolicy = PolicyRegistry.Get("firstfit");

    /// <summary>The explanation of job <paramref name="id"/> as <paramref name="caller"/> may see it, or null when it does not exist for them.</summary>
    public JobExplanation? Explain(Caller caller, long id)
    {
        Job job;
        lock (plane.Gate)
        {
            if (!plane.Jobs.TryGetValue(id, out job!) || !caller.MaySee(job.Tenant))
            {
                return null;
            }
        }

        var basis = new JobExplanation
        {
            JobId = job.Id,
            Name = job.Name,
            Tenant = job.Tenant,
            State = job.State,
            Priority = job.Priority,
            Code = job.State == JobState.Pending ? job.Reason?.Code ?? QueueReasonCodes.Queued : "",
        };
        if (job.State != JobState.Pending)
        {
            return basis with { Summary = NotPendingSummary(job) };
        }

        var (snapshot, names) = TakeSnapshot();
        var queue = snapshot.Pending.OrderByDescending(p => p.Priority).ThenBy(p => p.Sequence).Select(p => p.Id).ToList();
        var position = queue.IndexOf(id);
        var request = job.Requests[0];

        var now = new ClusterState(snapshot.Nodes);
        foreach (var bound in snapshot.Bound)
        {
            foreach (var task in bound.Tasks)
            {
                try
                {
                    now.Allocate(task.Placement.Node, task.Request, task.Placement.Gpus);
                }
                catch (InvalidOperationException)
                {
                    // A task that no longer fits its node (the node shrank) is being requeued by the scheduler; explaining
                    // another job must not fail on it.
                }
            }
        }

        var reasonNow = new PlacementEngine(now, FilterPolicy).Explain(request);
        var reasonEmpty = new PlacementEngine(new ClusterState(snapshot.Nodes), FilterPolicy).Explain(request);
        // One source of numbers: the verdicts below are the only counts shown, in the table and in the summary alike, and
        // they are worded here in the units the user wrote (cores, Gi, GPUs) rather than taken from the filters' own text.
        var constraints = reasonNow.Rejections
            .Select(r => new ConstraintVerdict
            {
                Constraint = r.Constraint,
                NodesRuledOut = r.NodesRuledOut,
                NodesConsidered = r.NodesConsidered,
                Message = Sentence(r.Constraint, r.NodesConsidered - r.NodesRuledOut, r.NodesConsidered, request, now, names),
            })
            .ToList();
        var wouldRunIf = new List<string>();
        var blockers = new List<BlockingTask>();

        var quota = snapshot.FairShare is { } fair ? BorrowingShortfall(snapshot, fair, job) : QuotaShortfall(snapshot, job);
        var cap = snapshot.FairShare is null ? "quota" : "guarantee plus borrowing limit";
        if (quota is not null)
        {
            constraints.Add(new ConstraintVerdict { Constraint = "quota", NodesRuledOut = now.NodeCount, NodesConsidered = now.NodeCount, Message = quota });
            wouldRunIf.Add($"tenant '{job.Tenant}' frees part of its {cap}: {quota}");
        }

        if (snapshot.FairShare is { } terms && quota is null)
        {
            FairShareNotes(snapshot, terms, job, wouldRunIf);
        }

        string summary;
        if (now.NodeCount == 0)
        {
            summary = "No nodes have registered yet; the job runs once an agent joins with room for it.";
            wouldRunIf.Add("an agent registers a node that can hold it (lepton agent, or lepton up)");
        }
        else if (reasonEmpty.Code != "Schedulable")
        {
            // Counted on the cluster as it is (the table's numbers): which constraints leave no node that could ever hold it.
            var verdicts = constraints.Where(c => c.Constraint != "quota").Select(c => c.Message).ToList();
            summary = verdicts.Count > 0
                ? $"No current node could hold one replica even if it were empty: {Join(verdicts)}."
                : $"No current node could hold one replica even if it were empty ({Describe(request)}).";
            wouldRunIf.Add($"a node with {Describe(request)} joins the cluster (or a Down/Draining one that has it returns)");
        }
        else
        {
            var placeable = CountPlaceable(now, job.Requests);
            if (placeable >= job.Replicas && quota is null)
            {
                var fitting = CountFitting(now, request);
                var where = $"{fitting} of {now.NodeCount} node{(now.NodeCount == 1 ? "" : "s")} can take a replica";
                summary = position > 0
                    ? $"It fits now ({where}); {position} more important or earlier job{(position == 1 ? " is" : "s are")} ahead of it, and it is placed at the next scheduling cycle."
                    : $"It fits now ({where}) and is placed at the next scheduling cycle.";
            }
            else if (placeable >= job.Replicas)
            {
                summary = $"It would fit on the nodes, but binding it would take tenant '{job.Tenant}' past its {cap}.";
            }
            else
            {
                summary = job.Replicas > 1 && placeable > 0
                    ? $"Only {placeable} of its {job.Replicas} gang replicas fit at once now, and a gang starts all together or not at all."
                    : constraints.Count(c => c.Constraint != "quota") > 0
                        ? $"No node has room for it now: {Join(constraints.Where(c => c.Constraint != "quota").Select(c => c.Message))}."
                        : $"No node has room for all of it at once now ({Describe(request)}); each constraint alone is met somewhere.";
                var (hint, nodeName) = ClosestNode(now, request, names);
                if (hint is not null)
                {
                    wouldRunIf.Add(job.Replicas > 1 ? $"{hint} (and likewise for each of its {job.Replicas} replicas)" : hint);
                    blockers = Blockers(caller, job, nodeName!, request.TotalGpuMilli > 0);
                    var evictable = blockers.Where(b => b.Preemptible && b.Priority < job.Priority).ToList();
                    wouldRunIf.Add(evictable.Count > 0
                        ? $"lower-priority preemptible work holding them: {string.Join(", ", evictable.Select(Name))}"
                        : "no lower-priority preemptible work holds them, so it waits for running work there to finish");
                }
            }
        }

        if (TopologyExplainer.Verdict(now, job.Requests) is { } topology)
        {
            constraints.Add(topology.Verdict);
            summary = topology.Placed ? $"{summary} Where it would go: {topology.Verdict.Message}." : $"It waits: {topology.Verdict.Message}.";
        }

        return basis with
        {
            Summary = summary,
            QueuePosition = position >= 0 ? position + 1 : null,
            QueueLength = queue.Count,
            NodesConsidered = now.NodeCount,
            Constraints = constraints,
            WouldRunIf = wouldRunIf,
            Blockers = blockers,
        };
    }

    /// <summary>Nodes (by name), what is bound where, the queue and quotas, read under the model lock.</summary>
    internal (QueueSnapshot Snapshot, string[] Names) TakeSnapshot()
    {
        lock (plane.Gate)
        {
            var nodes = plane.Nodes.Values.OrderBy(n => n.Name, StringComparer.Ordinal).ToArray();
            var index = new Dictionary<string, int>(nodes.Length, StringComparer.Ordinal);
            for (var i = 0; i < nodes.Length; i++)
            {
                index[nodes[i].Name] = i;
            }

            var bound = new List<BoundJob>();
            var pending = new List<QueuedJob>();
            foreach (var job in plane.Jobs.Values)
            {
                if (job.State == JobState.Pending)
                {
                    pending.Add(new QueuedJob(job.Id, job.Tenant, job.Priority, job.Id, job.Requests));
                    continue;
                }

                if (job.State is not (JobState.Scheduled or JobState.Running))
                {
                    continue;
                }

                var tasks = new List<BoundTask>();
                foreach (var task in job.Tasks)
                {
                    if (task.IsBound && task.Node is { } name && index.TryGetValue(name, out var i))
                    {
                        var gpus = GpuSet.Empty;
                        foreach (var device in task.Gpus)
                        {
                            var ordinal = NodeOperations.IndexOfGpu(nodes[i].Registration, device);
                            if (ordinal >= 0)
                            {
                                gpus = gpus.With(ordinal);
                            }
                        }

                        tasks.Add(new BoundTask(job.Requests[task.Replica], new NodePlacement(i, gpus)));
                    }
                }

                bound.Add(new BoundJob(job.Id, job.Tenant, job.Priority, job.Preemptible, job.Id, tasks));
            }

            var quotas = plane.Tenants.Values.Where(t => t.Quota is not null)
                .ToDictionary(t => t.Name, t => JobOperations.ToVector(t.Quota!), StringComparer.Ordinal);
            return (new QueueSnapshot([.. nodes.Select(n => n.ToSpec())], bound, pending, quotas, plane.FairShare ? FairShareTerms.Policy(plane) : null),
                [.. nodes.Select(n => n.Name)]);
        }
    }

    private static string NotPendingSummary(Job job)
    {
        var where = job.Tasks.Where(t => t.IsBound).Select(t => t.Gpus.Length > 0 ? $"{t.Node} (GPU {string.Join(',', t.Gpus)})" : t.Node).ToList();
        return job.State switch
        {
            JobState.Scheduled or JobState.Running => $"It is not pending: it is {job.State} on {string.Join(", ", where)}.",
            JobState.Failed => $"It is not pending: it failed{(job.Reason is { } r ? ": " + r.Message : "")}.",
            _ => $"It is not pending: it is {job.State}.",
        };
    }

    /// <summary>Nodes that pass every constraint for one replica now.</summary>
    private static int CountFitting(ClusterState cluster, TaskRequest request) =>
        new PlacementEngine(cluster, FilterPolicy).CountFeasible(request);

    /// <summary>"a, b and c".</summary>
    private static string Join(IEnumerable<string> parts)
    {
        var list = parts.ToList();
        return list.Count <= 1 ? string.Concat(list) : string.Join(", ", list.Take(list.Count - 1)) + " and " + list[^1];
    }

    /// <summary>One constraint's verdict as a sentence in the user's units: <c>only 1 of 3 nodes has 8 cores of CPU free</c>;
    /// for node states it names the nodes that are not Ready and their current state.</summary>
    private static string Sentence(string constraint, int passing, int considered, TaskRequest r, ClusterState cluster, string[] names, bool empty = false)
    {
        var free = empty ? "" : " free";
        var nodes = considered == 1 ? "node" : "nodes";
        var has = passing == 1 ? "has" : "have";
        var count = passing == 0 ? $"none of the {considered} {nodes} {(empty ? "has" : "has")}" : $"only {passing} of {considered} {nodes} {has}";
        if (considered == 1 && passing == 0)
        {
            count = "the only node does not have";
        }

        switch (constraint)
        {
            case "cpu":
                return $"{count} {Cores(r.CpuMilli)} of CPU{free}";
            case "memory":
                return $"{count} {Quantity.FormatMemory(r.MemoryMiB)} of memory{free}";
            case "gpu":
                return r.IsGpuShare
                    ? $"{count} a GPU with {(r.GpuMilliPerGpu / 1000.0).ToString("0.###", CultureInfo.InvariantCulture)} of it{free}"
                    : $"{count} {r.GpuCount} GPU{(r.GpuCount == 1 ? "" : "s")}{free}";
            case "gpu-model":
                return r.GpuModels.Count > 0 ? $"{count} GPUs of model {string.Join(" or ", r.GpuModels.Distinct(StringComparer.Ordinal))}" : $"{count} GPUs";
            case "fpga":
                return $"{count} {r.Fpga} FPGA{(r.Fpga == 1 ? "" : "s")}{free}";
            case "network":
                return $"{count} {Quantity.FormatNetwork(r.NetworkMbps)} of network bandwidth{free}";
            case "labels":
                return $"{count} the labels {string.Join(", ", r.NodeSelector.Select(l => $"{l.Key}={l.Value}"))}";
            case "node-state":
                var notReady = new List<string>();
                for (var i = 0; i < cluster.NodeCount; i++)
                {
                    if (cluster.StateOf(i) != NodeState.Ready)
                    {
                        notReady.Add($"{names[i]} is {cluster.StateOf(i)}");
                    }
                }

                var ready = passing == 0 ? $"none of the {considered} {nodes} is Ready" : $"only {passing} of {considered} {nodes} {(passing == 1 ? "is" : "are")} Ready";
                return notReady.Count > 0 ? $"{ready} ({string.Join(", ", notReady.Take(5))}{(notReady.Count > 5 ? ", …" : "")})" : ready;
            default:
                return $"{count} what the {constraint} constraint asks";
        }
    }

    /// <summary>Millicores in cores: <c>8 cores</c>, <c>0.5 cores</c>, <c>1 core</c>.</summary>
    private static string Cores(long milli)
    {
        var cores = (milli / 1000.0).ToString("0.###", CultureInfo.InvariantCulture);
        return cores == "1" ? "1 core" : $"{cores} cores";
    }

    /// <summary>How many replicas of the job the cluster holds at once now (greedy, on a scratch copy).</summary>
    private static int CountPlaceable(ClusterState cluster, IReadOnlyList<TaskRequest> replicas)
    {
        var engine = new PlacementEngine(cluster, FilterPolicy);
        var placed = new List<(TaskRequest Task, NodePlacement Placement)>();
        foreach (var replica in replicas)
        {
            if (!engine.TryPlace(replica, out var placement))
            {
                break;
            }

            engine.Commit(replica, placement);
            placed.Add((replica, placement));
        }

        // Leave the cluster as it was: later questions are asked of the same state.
        foreach (var (task, placement) in placed)
        {
            cluster.Release(placement.Node, task, placement.Gpus);
        }

        return placed.Count;
    }

    /// <summary>Fair share: the shortfall against the tenant's guarantee plus borrowing limit, or null when it fits.</summary>
    private static string? BorrowingShortfall(QueueSnapshot snapshot, FairSharePolicy fair, Job job)
    {
        var used = Usage(snapshot, job.Tenant);
        var need = job.Requests.Aggregate(ResourceVector.Zero, (sum, r) => sum + r.Request);
        var terms = fair.For(job.Tenant);
        return FairSharePolicy.WithinLimit(used + need, terms)
            ? null
            : $"tenant '{job.Tenant}' holds {Units(used.GpuMilli)} GPUs and {Units(used.CpuMilli)} cores; this job needs {Units(need.GpuMilli)} GPUs "
              + $"more, past its guarantee ({Units(terms.Guarantee.GpuMilli)} GPUs) plus borrowing limit ({Units(terms.BorrowingLimit!.Value.GpuMilli)} GPUs)";
    }

    /// <summary>Fair share: whether the job would borrow or is within its guarantee, and which tenants borrow what now,
    /// and whether that can be reclaimed (preemptible, and its tenant stays at its guarantee) or must end first.</summary>
    private static void FairShareNotes(QueueSnapshot snapshot, FairSharePolicy fair, Job job, List<string> wouldRunIf)
    {
        var used = Usage(snapshot, job.Tenant);
        var need = job.Requests.Aggregate(ResourceVector.Zero, (sum, r) => sum + r.Request);
        var within = FairSharePolicy.Within(used + need, fair.For(job.Tenant));
        wouldRunIf.Add(within
            ? $"fair share: it is within tenant '{job.Tenant}''s guarantee, so it may reclaim what other tenants borrow (preemptible work only, never below their guarantee)"
            : $"fair share: it would borrow beyond tenant '{job.Tenant}''s guarantee, which only idle capacity allows (it reclaims nothing); it waits for capacity to free and for its tenant to hold the lowest weighted share");
        foreach (var tenant in snapshot.Bound.Select(b => b.Tenant).Distinct().Order(StringComparer.Ordinal))
        {
            if (tenant == job.Tenant)
            {
                continue;
            }

            var held = Usage(snapshot, tenant);
            var borrowed = FairSharePolicy.Borrowed(held, fair.For(tenant));
            if (borrowed.GpuMilli <= 0 && borrowed.CpuMilli <= 0)
            {
                continue;
            }

            var reclaimable = snapshot.Bound.Count(b => b.Tenant == tenant && b.Preemptible
                && FairSharePolicy.IsBorrowed(b.Tasks.Aggregate(ResourceVector.Zero, (sum, t) => sum + t.Request.Request), held, fair.For(tenant)));
            wouldRunIf.Add($"tenant '{tenant}' borrows {Units(borrowed.GpuMilli)} GPUs and {Units(borrowed.CpuMilli)} cores: "
                + (within && reclaimable > 0
                    ? $"{reclaimable} of its preemptible jobs can be reclaimed at the next scheduling cycle if that makes room"
                    : reclaimable > 0 ? "reclaimable only by a job within its tenant's guarantee; otherwise when that work ends"
                    : "none of it is preemptible, so it is returned only when that work ends"));
        }
    }

    /// <summary>Milli-units (milli-GPU, millicores) as a plain number of whole units.</summary>
    private static string Units(long milli) => (milli / 1000.0).ToString("0.###", CultureInfo.InvariantCulture);

    private static ResourceVector Usage(QueueSnapshot snapshot, string tenant)
    {
        var used = ResourceVector.Zero;
        foreach (var bound in snapshot.Bound.Where(b => b.Tenant == tenant))
        {
            foreach (var task in bound.Tasks)
            {
                used += task.Request.Request;
            }
        }

        return used;
    }

    /// <summary>The shortfall against the tenant's quota in words, or null when the job fits its quota.</summary>
    private static string? QuotaShortfall(QueueSnapshot snapshot, Job job)
    {
        if (!snapshot.Quotas.TryGetValue(job.Tenant, out var quota))
        {
            return null;
        }

        var used = ResourceVector.Zero;
        foreach (var bound in snapshot.Bound.Where(b => b.Tenant == job.Tenant))
        {
            foreach (var task in bound.Tasks)
            {
                used += task.Request.Request;
            }
        }

        var need = job.Requests.Aggregate(ResourceVector.Zero, (sum, r) => sum + r.Request);
        if ((used + need).FitsIn(quota))
        {
            return null;
        }

        var parts = new List<string>();
        void Check(string what, long u, long n, long q, Func<long, string> show)
        {
            if (u + n > q)
            {
                parts.Add($"{what} {show(u)} used + {show(n)} needed > {show(q)} quota");
            }
        }

        Check("cpu", used.CpuMilli, need.CpuMilli, quota.CpuMilli, Quantity.FormatCpu);
        Check("memory", used.MemoryMiB, need.MemoryMiB, quota.MemoryMiB, Quantity.FormatMemory);
        Check("gpu", used.GpuMilli, need.GpuMilli, quota.GpuMilli, g => (g / 1000.0).ToString("0.###", CultureInfo.InvariantCulture));
        Check("fpga", used.Fpga, need.Fpga, quota.Fpga, f => f.ToString(CultureInfo.InvariantCulture));
        Check("network", used.NetworkMbps, need.NetworkMbps, quota.NetworkMbps, Quantity.FormatNetwork);
        return string.Join("; ", parts);
    }

    /// <summary>The node closest to holding one replica and what must free up there, e.g. "fits if 2 GPUs of model A100 free up on one node (gpu-1 has 2 of 4 free)".</summary>
    private static (string? Hint, string? Node) ClosestNode(ClusterState cluster, TaskRequest request, string[] names)
    {
        var best = -1;
        (int Gpus, double Others) bestShort = (int.MaxValue, double.MaxValue);
        var bestFreeGpus = 0;
        for (var i = 0; i < cluster.NodeCount; i++)
        {
            var spec = cluster.NodeAt(i);
            if (cluster.StateOf(i) != NodeState.Ready || !request.Request.FitsIn(spec.Capacity) || spec.GpuCount < request.GpuCount
                || (request.GpuCount > 0 && request.GpuModels.Count > 0 && !request.GpuModels.Contains(spec.GpuModel, StringComparer.OrdinalIgnoreCase))
                || request.NodeSelector.Any(l => !spec.Labels.TryGetValue(l.Key, out var v) || v != l.Value))
            {
                continue;
            }

            var free = cluster.Free(i);
            var freeGpus = 0;
            foreach (var milli in cluster.GpuFreeSpan(i))
            {
                freeGpus += milli >= request.GpuMilliPerGpu && request.GpuMilliPerGpu > 0 ? 1 : 0;
            }

            var gpuShort = Math.Max(0, request.GpuCount - freeGpus);
            var rest = Math.Max(0, request.CpuMilli - free.CpuMilli) / 1000.0 + Math.Max(0, request.MemoryMiB - free.MemoryMiB) / 1024.0
                + Math.Max(0, request.Fpga - free.Fpga) + Math.Max(0, request.NetworkMbps - free.NetworkMbps) / 1000.0;
            if ((gpuShort, rest).CompareTo(bestShort) < 0)
            {
                (best, bestShort, bestFreeGpus) = (i, (gpuShort, rest), freeGpus);
            }
        }

        if (best < 0)
        {
            return (null, null);
        }

        var node = cluster.NodeAt(best);
        var nodeFree = cluster.Free(best);
        var missing = new List<string>();
        if (bestShort.Gpus > 0)
        {
            missing.Add(request.IsGpuShare
                ? $"{request.GpuMilliPerGpu} milli-GPU of one {node.GpuModel} GPU"
                : $"{bestShort.Gpus} GPU{(bestShort.Gpus == 1 ? "" : "s")} of model {node.GpuModel}");
        }

        if (request.CpuMilli > nodeFree.CpuMilli)
        {
            missing.Add($"{Cores(request.CpuMilli - nodeFree.CpuMilli)} of CPU");
        }

        if (request.MemoryMiB > nodeFree.MemoryMiB)
        {
            missing.Add($"{Quantity.FormatMemory(request.MemoryMiB - nodeFree.MemoryMiB)} memory");
        }

        if (request.Fpga > nodeFree.Fpga)
        {
            missing.Add($"{request.Fpga - nodeFree.Fpga} FPGA");
        }

        if (request.NetworkMbps > nodeFree.NetworkMbps && node.NetworkMbps > 0)
        {
            missing.Add($"{Quantity.FormatNetwork(request.NetworkMbps - nodeFree.NetworkMbps)} network");
        }

        if (request.RdmaMilli > nodeFree.RdmaMilli)
        {
            missing.Add($"{request.RdmaMilli - nodeFree.RdmaMilli} milli-NIC of RDMA");
        }

        if (missing.Count == 0)
        {
            return (null, null);
        }

        var have = node.GpuCount > 0 ? $"{names[best]} has {bestFreeGpus} of {node.GpuCount} GPUs free" : $"closest: {names[best]}";
        var verb = missing.Count == 1 && bestShort.Gpus <= 1 ? "frees up" : "free up";
        return ($"fits if {string.Join(" and ", missing)} {verb} on one node ({have})", names[best]);
    }

    /// <summary>Running work on <paramref name="node"/> that holds what the job needs, most evictable first.</summary>
    private List<BlockingTask> Blockers(Caller caller, Job pending, string node, bool gpusOnly)
    {
        var blockers = new List<BlockingTask>();
        lock (plane.Gate)
        {
            foreach (var job in plane.Jobs.Values)
            {
                if (job.Id == pending.Id || job.IsTerminal)
                {
                    continue;
                }

                foreach (var task in job.Tasks)
                {
                    if (!task.IsBound || task.Node != node || (gpusOnly && task.Gpus.Length == 0))
                    {
                        continue;
                    }

                    var visible = caller.MaySee(job.Tenant);
                    blockers.Add(new BlockingTask
                    {
                        JobId = visible ? job.Id : 0,
                        JobName = visible ? job.Name : "(another tenant's job)",
                        Tenant = visible ? job.Tenant : "",
                        Replica = task.Replica,
                        Node = node,
                        Priority = job.Priority,
                        Preemptible = job.Preemptible,
                        Gpus = task.Gpus,
                    });
                }
            }
        }

        return [.. blockers
            .OrderByDescending(b => b.Preemptible && b.Priority < pending.Priority)
            .ThenBy(b => b.Priority)
            .ThenByDescending(b => b.JobId)];
    }

    private static string Name(BlockingTask b)
    {
        var gpus = b.Gpus.Count > 0 ? $", GPU {string.Join(',', b.Gpus)}" : "";
        var who = b.JobId > 0 ? $"job {b.JobId} {b.JobName}" : b.JobName;
        return $"{who} (priority {b.Priority}{gpus})";
    }

    private static string Describe(TaskRequest r)
    {
        var parts = new List<string>();
        if (r.GpuCount > 0)
        {
            var models = r.GpuModels.Count > 0 ? " of model " + string.Join(" or ", r.GpuModels) : "";
            parts.Add(r.IsGpuShare ? $"a GPU{models} with {r.GpuMilliPerGpu} milli-GPU free" : $"{r.GpuCount} GPU{(r.GpuCount == 1 ? "" : "s")}{models}");
        }

        parts.Add($"{Cores(r.CpuMilli)} of CPU");
        parts.Add($"{Quantity.FormatMemory(r.MemoryMiB)} memory");
        if (r.Fpga > 0)
        {
            parts.Add($"{r.Fpga} FPGA");
        }

        if (r.NetworkMbps > 0)
        {
            parts.Add($"{Quantity.FormatNetwork(r.NetworkMbps)} network");
        }

        if (r.RdmaMilli > 0)
        {
            parts.Add($"{r.RdmaMilli} milli-NIC of RDMA");
        }

        if (r.MaxPerNode > 0)
        {
            parts.Add($"at most {r.MaxPerNode} replica(s) per node");
        }

        return string.Join(", ", parts);
    }
}
