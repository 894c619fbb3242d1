using System.Globalization;
using System.Text;
using Lepton.Client.Contracts;
using Lepton.Core.Cluster;
using Lepton.Server.Model;
using Lepton.Server.Scheduling;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Lepton.Server.Apis;

/// <summary><c>/metrics</c> in the Prometheus text exposition format (version 0.0.4).</summary>
internal static class MetricsApi
{
    private static readonly string[] Resources = ["cpu_milli", "memory_mib", "gpu_milli", "fpga", "network_mbps"];

    public static void Map(IEndpointRouteBuilder app, ControlPlane plane, SchedulingMetrics metrics, Reclaim.ReclaimTracker? reclaim = null) =>
        app.MapGet("/metrics", () => Results.Text(Render(plane, metrics, reclaim), "text/plain; version=0.0.4; charset=utf-8"))
            .ExcludeFromDescription();

    public static string Render(ControlPlane plane, SchedulingMetrics metrics, Reclaim.ReclaimTracker? reclaim = null)
    {
        var text = new StringBuilder();
        var jobs = new Dictionary<(string State, string Tenant), int>();
        var pending = new Dictionary<string, int>(StringComparer.Ordinal);
        var nodeStates = new Dictionary<string, int>(StringComparer.Ordinal);
        var capacity = new long[5];
        var allocated = new long[5];
        var gpuCapacity = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var gpuAllocated = new SortedDictionary<string, long>(StringComparer.Ordinal);
        lock (plane.Gate)
        {
            foreach (var tenant in plane.Tenants.Keys)
            {
                foreach (var state in Enum.GetValues<JobState>())
                {
                    jobs[(state.ToString(), tenant)] = 0;
                }
            }

            foreach (var job in plane.Jobs.Values)
            {
                var key = (job.State.ToString(), job.Tenant);
                jobs[key] = jobs.GetValueOrDefault(key) + 1;
                if (job.State == JobState.Pending)
                {
                    var code = job.Reason?.Code ?? "Queued";
                    pending[code] = pending.GetValueOrDefault(code) + 1;
                }

                foreach (var task in job.Tasks)
                {
                    if (task.IsBound && plane.Nodes.TryGetValue(task.Node!, out var node))
                    {
                        var r = job.Requests[task.Replica].Request;
                        Add(allocated, r);
                        gpuAllocated[node.GpuModel] = gpuAllocated.GetValueOrDefault(node.GpuModel) + r.GpuMilli;
                    }
                }
            }

            foreach (var node in plane.Nodes.Values)
            {
                nodeStates[node.State.ToString()] = nodeStates.GetValueOrDefault(node.State.ToString()) + 1;
                if (node.State == NodeState.Down)
                {
                    continue;
                }

                var spec = node.ToSpec();
                Add(capacity, spec.Capacity);
                if (spec.GpuCount > 0)
                {
                    gpuCapacity[node.GpuModel] = gpuCapacity.GetValueOrDefault(node.GpuModel) + spec.Capacity.GpuMilli;
                    gpuAllocated.TryAdd(node.GpuModel, 0);
                }
            }
        }

        Header(text, "lepton_jobs", "gauge", "Jobs by state and tenant.");
        foreach (var ((state, tenant), count) in jobs.OrderBy(k => k.Key.Tenant, StringComparer.Ordinal).ThenBy(k => k.Key.State, StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"lepton_jobs{{state=\"{state}\",tenant=\"{Escape(tenant)}\"}} {count}\n");
        }

        Header(text, "lepton_pending_jobs", "gauge", "Pending jobs by reason code.");
        foreach (var (code, count) in pending.OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"lepton_pending_jobs{{reason=\"{Escape(code)}\"}} {count}\n");
        }

        Header(text, "lepton_nodes", "gauge", "Nodes by state.");
        foreach (var (state, count) in nodeStates.OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"lepton_nodes{{state=\"{state}\"}} {count}\n");
        }

        Header(text, "lepton_capacity", "gauge", "Capacity of nodes that are not Down, per resource.");
        for (var i = 0; i < Resources.Length; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"lepton_capacity{{resource=\"{Resources[i]}\"}} {capacity[i]}\n");
        }

        Header(text, "lepton_allocated", "gauge", "Resources held by bound tasks, per resource.");
        for (var i = 0; i < Resources.Length; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"lepton_allocated{{resource=\"{Resources[i]}\"}} {allocated[i]}\n");
        }

        Header(text, "lepton_gpu_capacity_milli", "gauge", "GPU capacity in milli-GPU per GPU model.");
        foreach (var (model, value) in gpuCapacity)
        {
            text.Append(CultureInfo.InvariantCulture, $"lepton_gpu_capacity_milli{{model=\"{Escape(model)}\"}} {value}\n");
        }

        Header(text, "lepton_gpu_allocated_milli", "gauge", "GPU allocated in milli-GPU per GPU model.");
        foreach (var (model, value) in gpuAllocated)
        {
            text.Append(CultureInfo.InvariantCulture, $"lepton_gpu_allocated_milli{{model=\"{Escape(model)}\"}} {value}\n");
        }

        var (queueWait, cycle) = metrics.Snapshot();
        Histogram(text, "lepton_scheduling_latency_seconds", "Time from entering the queue (submission or requeue) to being scheduled.", queueWait);
        Histogram(text, "lepton_scheduling_cycle_seconds", "Duration of one scheduling cycle (snapshot, plan, commit).", cycle);
        Header(text, "lepton_preemptions_total", "counter", "Jobs evicted to make room for more important ones.");
        text.Append(CultureInfo.InvariantCulture, $"lepton_preemptions_total {metrics.Preemptions}\n");
        reclaim?.WriteMetrics(text);
        return text.ToString();
    }

    private static void Add(long[] sums, Core.Resources.ResourceVector v)
    {
        sums[0] += v.CpuMilli;
        sums[1] += v.MemoryMiB;
        sums[2] += v.GpuMilli;
        sums[3] += v.Fpga;
        sums[4] += v.NetworkMbps;
    }

    private static void Header(StringBuilder text, string name, string type, string help) =>
        text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} {type}\n");

    private static void Histogram(StringBuilder text, string name, string help, SchedulingMetrics.Histogram h)
    {
        Header(text, name, "histogram", help);
        for (var i = 0; i < h.Bounds.Length; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{le=\"{h.Bounds[i].ToString(CultureInfo.InvariantCulture)}\"}} {h.Counts[i]}\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{le=\"+Inf\"}} {h.Count}\n");
        text.Append(CultureInfo.InvariantCulture, $"{name}_sum {h.Sum.ToString("R", CultureInfo.InvariantCulture)}\n");
        text.Append(CultureInfo.InvariantCulture, $"{name}_count {h.Count}\n");
    }

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)
        .Replace("\n", "\\n", StringComparison.Ordinal);
}
