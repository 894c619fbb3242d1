using Lepton.Core.Cluster;
using Lepton.Core.Workloads;

namespace Lepton.Server.Power;

/// <summary>Decides which nodes to switch off (idle longer than a threshold) and which to wake (queued work that fits only
/// on nodes that are off).</summary>
/// <remarks>
/// Small and self-contained on purpose: Core's power-down decision (shared with the simulator) replaces it. Rules:
/// a Ready node with nothing bound starts an idle clock; past <c>powerOffAfter</c> it is switched off. Each queued job that
/// waits for room (reason Unschedulable, NeverFits, NoNodes or GangIncomplete) claims room on nodes that are off, nodes
/// already waking first, then the others by name; every node so claimed and not yet waking is woken. A node whose wake
/// failed is not tried again for a while (the caller's back-off).
/// </remarks>
internal sealed class IdlePowerDecision(TimeSpan powerOffAfter)
{
    private readonly Dictionary<string, DateTimeOffset> _idleSince = new(StringComparer.Ordinal);

    /// <summary>What the decision knows of one node.</summary>
    /// <param name="Spec">Its shape (capacity, GPU model).</param>
    /// <param name="Ready">Takes work now (Ready, agent heard from).</param>
    /// <param name="Idle">Nothing bound to it.</param>
    /// <param name="Power">Its power state.</param>
    /// <param name="MayWake">False while a failed wake is backing off.</param>
    public sealed record NodeFacts(NodeSpec Spec, bool Ready, bool Idle, NodePowerState Power, bool MayWake = true);

    /// <summary>A queued job waiting for room: one replica's request and how many replicas still need a node.</summary>
    public sealed record Demand(TaskRequest Request, int Replicas);

    /// <summary>The nodes to switch off now and the nodes to wake now, by name.</summary>
    public (List<string> PowerOff, List<string> Wake) Decide(DateTimeOffset now, IReadOnlyList<NodeFacts> nodes, IReadOnlyList<Demand> demands)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(demands);
        var wake = new List<string>();
        var claimed = new HashSet<string>(StringComparer.Ordinal);
        var off = nodes.Where(n => n.Power != NodePowerState.On)
            .OrderBy(n => n.Power == NodePowerState.Waking ? 0 : 1).ThenBy(n => n.Spec.Name, StringComparer.Ordinal).ToList();
        foreach (var demand in demands)
        {
            var needed = demand.Replicas;
            foreach (var node in off)
            {
                if (needed <= 0)
                {
                    break;
                }

                if (claimed.Contains(node.Spec.Name) || (node.Power == NodePowerState.PoweredOff && !node.MayWake))
                {
                    continue;
                }

                var fits = ReplicasThatFit(node.Spec, demand.Request);
                if (fits <= 0)
                {
                    continue;
                }

                claimed.Add(node.Spec.Name);
                needed -= fits;
                if (node.Power == NodePowerState.PoweredOff)
                {
                    wake.Add(node.Spec.Name);
                }
            }
        }

        var powerOff = new List<string>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            names.Add(node.Spec.Name);
            if (node.Power != NodePowerState.On || !node.Ready || !node.Idle)
            {
                _idleSince.Remove(node.Spec.Name);
                continue;
            }

            if (!_idleSince.TryGetValue(node.Spec.Name, out var since))
            {
                _idleSince[node.Spec.Name] = since = now;
            }

            // Queued work that is waiting for room keeps nodes on: it may fit here once a cycle runs.
            if (now - since >= powerOffAfter && demands.Count == 0)
            {
                powerOff.Add(node.Spec.Name);
                _idleSince.Remove(node.Spec.Name);
            }
        }

        foreach (var gone in _idleSince.Keys.Where(n => !names.Contains(n)).ToList())
        {
            _idleSince.Remove(gone);
        }

        return (powerOff, wake);
    }

    /// <summary>How many replicas of <paramref name="request"/> an empty <paramref name="node"/> holds (0: none).</summary>
    public static int ReplicasThatFit(NodeSpec node, TaskRequest request)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(request);
        if (request.GpuCount > 0 && (node.GpuCount == 0
            || (request.GpuModels.Count > 0 && !request.GpuModels.Contains(node.GpuModel, StringComparer.Ordinal))))
        {
            return 0;
        }

        long fits = int.MaxValue;
        static long Limit(long capacity, long need) => need <= 0 ? int.MaxValue : capacity / need;
        fits = Math.Min(fits, Limit(node.CpuMilli, request.CpuMilli));
        fits = Math.Min(fits, Limit(node.MemoryMiB, request.MemoryMiB));
        fits = Math.Min(fits, Limit(node.Fpga, request.Fpga));
        fits = Math.Min(fits, Limit(node.NetworkMbps, request.NetworkMbps));
        if (request.GpuCount > 0)
        {
            // Whole GPUs: GPU count per replica; a share of one GPU: shares per GPU times GPUs.
            fits = Math.Min(fits, request.GpuMilliPerGpu >= 1000 ? node.GpuCount / request.GpuCount : node.GpuCount * (1000 / Math.Max(1, request.GpuMilliPerGpu)));
        }

        if (request.MaxPerNode > 0)
        {
            fits = Math.Min(fits, request.MaxPerNode);
        }

        return (int)Math.Clamp(fits, 0, 100_000);
    }
}
