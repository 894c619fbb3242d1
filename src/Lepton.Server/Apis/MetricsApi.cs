using System.Diagnostics.Metrics;
using Lepton.Client.Contracts;
using Lepton.Core.Cluster;
using Lepton.Server.Model;
using Lepton.Server.Reclaim;
using Lepton.Server.Scheduling;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Lepton.Server.Apis;

/// <summary><c>/metrics</c>: the cluster's state as <see cref="System.Diagnostics.Metrics"/> observable gauges, the
/// scheduler's histograms and counters, and the standard ASP.NET Core, Kestrel and .NET runtime/process metrics, exported
/// in the Prometheus text format by OpenTelemetry's exporter. Only an admin or a <c>metrics</c> token may read it: the
/// series name tenants and nodes.</summary>
internal static class MetricsApi
{
    /// <summary>The meters of the framework whose instruments are exported next to Lepton's own.</summary>
    private static readonly string[] StandardMeters =
    [
        "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Routing",
        "System.Runtime", "System.Net.Http",
    ];

    private static readonly string[] ResourceNames = ["cpu_milli", "memory_mib", "gpu_milli", "fpga", "network_mbps"];

    /// <summary>Registers the OpenTelemetry meter provider and its Prometheus exporter for this server's <paramref name="metrics"/>.</summary>
    public static void AddMetrics(IServiceCollection services, SchedulingMetrics metrics)
    {
        services.AddSingleton(metrics);
        services.AddOpenTelemetry().ConfigureResource(resource => resource.AddService("lepton-server")).WithMetrics(builder => builder
            .AddMeter(SchedulingMetrics.MeterName)
            .AddMeter(StandardMeters)
            // Several servers may share a process (tests, benchmarks); a meter provider listens by name to every meter in it,
            // so each keeps only the instruments of its own Lepton meter.
            .AddView(instrument => instrument.Meter.Name == SchedulingMetrics.MeterName && !ReferenceEquals(instrument.Meter, metrics.Meter)
                ? MetricStreamConfiguration.Drop
                : null)
            .AddPrometheusExporter(options =>
            {
                // Every scrape reads the current state (the default caches the answer for 300 ms).
                options.ScrapeResponseCacheDurationMilliseconds = 0;
                // Series keep the names and labels the README documents (no otel_scope_name/otel_scope_version on each line).
                options.ScopeInfoEnabled = false;
            }));
    }

    /// <summary>Creates the cluster gauges on the server's meter and maps <c>GET /metrics</c> behind a token check.</summary>
    public static void Map(IEndpointRouteBuilder app, ControlPlane plane, SchedulingMetrics metrics, ReclaimTracker? reclaim = null)
    {
        CreateGauges(metrics.Meter, plane, reclaim);
        app.MapPrometheusScrapingEndpoint("/metrics", meterProvider: null, configureBranchedPipeline: branch => branch.Use(async (http, next) =>
        {
            if (await RefuseAsync(http, plane))
            {
                return;
            }

            await next(http);
        }), optionsName: null).ExcludeFromDescription();
    }

    /// <summary>Answers 401/403 unless the request carries an admin or metrics token; true when it refused.</summary>
    private static async Task<bool> RefuseAsync(HttpContext http, ControlPlane plane)
    {
        var header = http.Request.Headers.Authorization.ToString();
        const string prefix = "Bearer ";
        var token = header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) ? plane.Authenticate(header[prefix.Length..].Trim()) : null;
        if (token is { Kind: TokenKind.Admin or TokenKind.Metrics })
        {
            return false;
        }

        var (status, title, detail) = token is null
            ? (401, "Unauthorized", "send 'Authorization: Bearer <token>' with an admin or metrics token ('lepton token create --kind metrics')")
            : (403, "Forbidden", $"a {token.Kind.ToString().ToLowerInvariant()} token may not read /metrics; use an admin or metrics token");
        if (status == 401)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
        }

        await Results.Problem(statusCode: status, title: title, detail: detail).ExecuteAsync(http);
        return true;
    }

    private static void CreateGauges(Meter meter, ControlPlane plane, ReclaimTracker? reclaim)
    {
        meter.CreateObservableGauge("lepton_jobs", () => Read(plane).Jobs, unit: null, "Jobs by state and tenant.");
        meter.CreateObservableGauge("lepton_pending_jobs", () => Read(plane).Pending, unit: null, "Pending jobs by reason code.");
        meter.CreateObservableGauge("lepton_nodes", () => Read(plane).Nodes, unit: null, "Nodes by state.");
        meter.CreateObservableGauge("lepton_capacity", () => Read(plane).Capacity, unit: null, "Capacity of nodes that are not Down, per resource (millicores, MiB, milli-GPU, count, Mbps).");
        meter.CreateObservableGauge("lepton_allocated", () => Read(plane).Allocated, unit: null, "Resources held by bound tasks, per resource.");
        meter.CreateObservableGauge("lepton_gpu_capacity_milli", () => Read(plane).GpuCapacity, unit: null, "GPU capacity in milli-GPU per GPU model.");
        meter.CreateObservableGauge("lepton_gpu_allocated_milli", () => Read(plane).GpuAllocated, unit: null, "GPU allocated in milli-GPU per GPU model.");
        if (reclaim is null)
        {
            return;
        }

        meter.CreateObservableGauge("lepton_reclaimable_nodes", () => reclaim.Report().Nodes.Count, unit: null,
            "Nodes with nothing allocated for longer than the reclaim threshold.");
        meter.CreateObservableGauge("lepton_reclaimable_price_per_hour", () => reclaim.Report().PricePerHourSaved, unit: null,
            "Price per hour that switching off the reclaimable nodes would save.");
        meter.CreateObservableGauge("lepton_reclaimable_idle_watts", () => reclaim.Report().IdleWattsSaved, unit: null,
            "Idle power in watts that switching off the reclaimable nodes would save.");
        meter.CreateObservableGauge("lepton_node_idle_seconds",
            () => reclaim.Report().Nodes.Select(n => new Measurement<double>(n.IdleSeconds, new KeyValuePair<string, object?>("node", n.Name))),
            unit: null, "Seconds a reclaimable node has held no task.");
    }

    /// <summary>One pass over the model for one gauge (a scrape reads each gauge once; the passes are cheap next to a scrape interval).</summary>
    private static ClusterCounts Read(ControlPlane plane)
    {
        var jobs = new Dictionary<(string State, string Tenant), int>();
        var pending = new Dictionary<string, int>(StringComparer.Ordinal);
        var nodeStates = new Dictionary<string, int>(StringComparer.Ordinal);
        var capacity = new long[ResourceNames.Length];
        var allocated = new long[ResourceNames.Length];
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
                var state = node.EffectiveState;
                nodeStates[state.ToString()] = nodeStates.GetValueOrDefault(state.ToString()) + 1;
                if (state == NodeState.Down)
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

        return new ClusterCounts(
            [.. jobs.Select(j => new Measurement<long>(j.Value, new("state", j.Key.State), new("tenant", j.Key.Tenant)))],
            [.. pending.Select(p => new Measurement<long>(p.Value, new KeyValuePair<string, object?>("reason", p.Key)))],
            [.. nodeStates.Select(n => new Measurement<long>(n.Value, new KeyValuePair<string, object?>("state", n.Key)))],
            [.. ResourceNames.Select((name, i) => new Measurement<long>(capacity[i], new KeyValuePair<string, object?>("resource", name)))],
            [.. ResourceNames.Select((name, i) => new Measurement<long>(allocated[i], new KeyValuePair<string, object?>("resource", name)))],
            [.. gpuCapacity.Select(g => new Measurement<long>(g.Value, new KeyValuePair<string, object?>("model", g.Key)))],
            [.. gpuAllocated.Select(g => new Measurement<long>(g.Value, new KeyValuePair<string, object?>("model", g.Key)))]);
    }

    private static void Add(long[] sums, Core.Resources.ResourceVector v)
    {
        sums[0] += v.CpuMilli;
        sums[1] += v.MemoryMiB;
        sums[2] += v.GpuMilli;
        sums[3] += v.Fpga;
        sums[4] += v.NetworkMbps;
    }

    private sealed record ClusterCounts(
        Measurement<long>[] Jobs,
        Measurement<long>[] Pending,
        Measurement<long>[] Nodes,
        Measurement<long>[] Capacity,
        Measurement<long>[] Allocated,
        Measurement<long>[] GpuCapacity,
        Measurement<long>[] GpuAllocated);
}
