using Lepton.Client.Contracts;
using Lepton.Core.Cluster;
using Lepton.Core.Resources;
using Lepton.Server.Model;

namespace Lepton.Server.Energy;

/// <summary>Integrates each node's power over time into energy, and shares energy and cost out to the jobs running there.</summary>
/// <remarks>
/// <para>Each <see cref="Sample"/> closes the interval since the previous one: a live node (not Down, heartbeat fresher
/// than the stale limit) draws what its agent last measured, or the estimate from its allocation; energy is that power
/// times the interval. A running task gets the share of the node it holds (the busier of its CPU and GPU shares; shares are
/// scaled down if they add up to more than the whole node), of the node's energy and of its price. Energy of the
/// unallocated part stays on the node's own row (job id 0), which also carries the node's whole energy and price.
/// The power of the interval is the one known at its end: intervals are a few seconds, heartbeats as frequent.</para>
/// <para>Rows are summed per (bucket of <see cref="BucketSeconds"/>, node, job) until <see cref="TakePending"/> hands them
/// to the store. Running totals by tenant and node back the Prometheus counters (they restart at zero with the server).
/// Not thread-safe on its own: callers hold the control plane's model lock.</para>
/// </remarks>
internal sealed class EnergyLedger(INodePowerEstimator estimator, EnergyPrices prices, TimeSpan staleAfter)
{
    /// <summary>Length of an accounting bucket, seconds: the resolution of <c>lepton report usage --from/--to</c>.</summary>
    public const long BucketSeconds = 60;

    /// <summary>The longest interval one sample accounts for: a server that stalled longer charges no one for the stall.</summary>
    public static readonly TimeSpan MaxInterval = TimeSpan.FromSeconds(60);

    private readonly Dictionary<string, DateTimeOffset> _lastSample = new(StringComparer.Ordinal);
    private readonly Dictionary<(long, string, long), UsageRow> _pending = [];

    /// <summary>Current power per node (live nodes only).</summary>
    public Dictionary<string, NodePowerReading> Power { get; } = new(StringComparer.Ordinal);

    /// <summary>Energy in joules attributed to each tenant since the server started.</summary>
    public Dictionary<string, double> TenantJoules { get; } = new(StringComparer.Ordinal);

    /// <summary>Cost attributed to each tenant since the server started.</summary>
    public Dictionary<string, double> TenantCost { get; } = new(StringComparer.Ordinal);

    /// <summary>Energy in joules each node drew since the server started.</summary>
    public Dictionary<string, double> NodeJoules { get; } = new(StringComparer.Ordinal);

    /// <summary>Nodes switched off by the power controller: they draw nothing whatever they last reported.</summary>
    public Func<string, bool> IsPoweredOff { get; set; } = _ => false;

    /// <summary>The estimator used for nodes without measurements.</summary>
    public INodePowerEstimator Estimator => estimator;

    /// <summary>Accounts every node from its previous sample up to <paramref name="now"/>; call under the model lock.</summary>
    public void Sample(ControlPlane plane, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(plane);
        foreach (var name in _lastSample.Keys.Where(n => !plane.Nodes.ContainsKey(n)).ToList())
        {
            _lastSample.Remove(name);
            Power.Remove(name);
        }

        foreach (var node in plane.Nodes.Values)
        {
            var last = _lastSample.GetValueOrDefault(node.Name, now);
            _lastSample[node.Name] = now;
            var live = node.EffectiveState != NodeState.Down && now - node.LastHeartbeat <= staleAfter && !IsPoweredOff(node.Name);
            if (!live)
            {
                Power.Remove(node.Name);
                continue;
            }

            var seconds = Math.Clamp((now - last).TotalSeconds, 0, MaxInterval.TotalSeconds);
            Account(plane, node, last, seconds);
        }
    }

    private void Account(ControlPlane plane, Node node, DateTimeOffset start, double seconds)
    {
        var spec = node.ToSpec();
        var running = new List<(Job Job, ResourceVector Request)>();
        var allocated = new ResourceVector();
        foreach (var id in plane.TasksOn(node.Name))
        {
            var task = plane.Tasks[id];
            if (task.State != TaskState.Running)
            {
                continue;
            }

            var job = plane.Jobs[task.JobId];
            var request = job.Requests[task.Replica].Request;
            running.Add((job, request));
            allocated += request;
        }

        var power = PowerOf(node, spec, allocated);
        Power[node.Name] = power;
        if (seconds <= 0)
        {
            return;
        }

        var bucket = start.ToUnixTimeSeconds() / BucketSeconds * BucketSeconds;
        var joules = power.Watts * seconds;
        var hours = seconds / 3600;
        var price = node.Registration.PricePerHour;
        var capacity = spec.Capacity;
        Add(new UsageRow(bucket, node.Name, 0, "", "", node.GpuModel, seconds, capacity.GpuMilli / 1000.0 * seconds,
            capacity.CpuMilli / 1000.0 * seconds, joules, power.Measured ? joules : 0, price * hours));
        NodeJoules[node.Name] = NodeJoules.GetValueOrDefault(node.Name) + joules;

        var shares = running.Select(r => LinearNodePowerEstimator.AllocatedShare(spec, r.Request)).ToArray();
        var total = shares.Sum();
        var scale = total > 1 ? 1 / total : 1;
        for (var i = 0; i < running.Count; i++)
        {
            var (job, request) = running[i];
            var share = shares[i] * scale;
            var gpus = request.GpuMilli / 1000.0;
            var cost = gpus > 0 && prices.GpuPerHour.TryGetValue(node.GpuModel, out var gpuPrice)
                ? gpus * gpuPrice * hours
                : share * price * hours;
            var energy = share * joules;
            Add(new UsageRow(bucket, node.Name, job.Id, job.Tenant, job.Name, node.GpuModel, seconds, gpus * seconds,
                request.CpuMilli / 1000.0 * seconds, energy, power.Measured ? energy : 0, cost));
            TenantJoules[job.Tenant] = TenantJoules.GetValueOrDefault(job.Tenant) + energy;
            TenantCost[job.Tenant] = TenantCost.GetValueOrDefault(job.Tenant) + cost;
        }
    }

    /// <summary>What <paramref name="node"/> draws now: its agent's measurements when it sent any, else the estimate.</summary>
    public NodePowerReading PowerOf(Node node, NodeSpec spec, ResourceVector allocated)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (node.Usage is { } usage)
        {
            double measured = 0;
            var any = false;
            if (usage.CpuWatts is { } cpu)
            {
                measured += cpu;
                any = true;
            }

            foreach (var gpu in usage.Gpus)
            {
                if (gpu.PowerWatts is { } watts)
                {
                    measured += watts;
                    any = true;
                }
            }

            if (any)
            {
                return new NodePowerReading(measured, true);
            }
        }

        return new NodePowerReading(estimator.EstimateWatts(spec, allocated), false);
    }

    private void Add(UsageRow row) =>
        _pending[row.Key] = _pending.TryGetValue(row.Key, out var known) ? known.Plus(row) : row;

    /// <summary>The rows accounted since the last call, for the store; call under the model lock.</summary>
    public List<UsageRow> TakePending()
    {
        var rows = _pending.Values.ToList();
        _pending.Clear();
        return rows;
    }

    /// <summary>Puts rows the store refused back, to be written with the next batch; call under the model lock.</summary>
    public void Restore(IEnumerable<UsageRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        foreach (var row in rows)
        {
            Add(row);
        }
    }

    /// <summary>The rows not yet handed to the store (for reports that must include the last seconds).</summary>
    public List<UsageRow> Pending() => [.. _pending.Values];
}
