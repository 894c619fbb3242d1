using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Lepton.Client.Contracts;
using Lepton.Server;
using Microsoft.Extensions.Logging;

namespace Lepton.Cli.Commands;

/// <summary><c>lepton bench api</c>: a bounded load generator against an in-process server on loopback: durable submissions
/// per second and submit-to-scheduled latency.</summary>
/// <remarks>
/// Starts a server (SQLite in a temp directory, durable commits), registers <c>--nodes</c> fake nodes through the agent
/// endpoint, then <c>--concurrency</c> clients submit <c>--jobs</c> jobs (one replica, 1 CPU, 1 GiB; every fourth asks for
/// one GPU) as fast as the server answers. A submission counts when it returned 201, i.e. when it is on disk.
/// Submit-to-scheduled latency is read from each job's history (its <c>Scheduled</c> event time minus its creation
/// time, both taken by the server).
/// </remarks>
internal sealed class BenchApiCommand : IBenchSubcommand
{
    /// <inheritdoc/>
    public Command Build()
    {
        var nodes = new Option<int>("--nodes") { Description = "Fake nodes to register (8 GPUs, 64 cores each).", DefaultValueFactory = _ => 1000 };
        var jobs = new Option<int>("--jobs") { Description = "Jobs to submit.", DefaultValueFactory = _ => 20000 };
        var concurrency = new Option<int>("--concurrency") { Description = "Concurrent clients.", DefaultValueFactory = _ => 32 };
        var policy = new Option<string>("--policy") { Description = "Placement policy.", DefaultValueFactory = _ => LeptonServerOptions.DefaultPolicy };
        var json = new Option<bool>("--json") { Description = "Print the results as JSON (progress goes to stderr)." };
        var store = new Option<string?>("--store")
        {
            Description = "Store of the bench server: sqlite (default, a temp directory) or postgres://USER@HOST:PORT/DB (an empty database).",
        };
        var command = new Command("api", "Measure durable job submissions per second and submit-to-scheduled latency against a loopback server.")
        {
            nodes, jobs, concurrency, policy, json, store,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var nodeCount = parse.GetValue(nodes);
            var jobCount = parse.GetValue(jobs);
            var clients = parse.GetValue(concurrency);
            if (nodeCount <= 0 || jobCount <= 0 || clients <= 0 || clients > 1024)
            {
                throw new CliError("--nodes and --jobs must be positive and --concurrency in 1..1024", 2);
            }

            await RunAsync(nodeCount, jobCount, clients, parse.GetValue(policy)!, parse.GetValue(json), parse.GetValue(store), cancellationToken);
            return 0;
        });
        return command;
    }

    private static async Task RunAsync(int nodeCount, int jobCount, int clients, string policy, bool json, string? store, CancellationToken cancellationToken)
    {
        var dir = Path.Combine(Path.GetTempPath(), "lepton-bench-api-" + Guid.NewGuid().ToString("N"));
        try
        {
            Microsoft.AspNetCore.Builder.WebApplication built;
            try
            {
                built = LeptonServer.BuildApp(new LeptonServerOptions
                {
                    DataDir = dir,
                    Store = store,
                    Urls = "http://127.0.0.1:0",
                    Policy = policy,
                    LogLevel = LogLevel.Error,
                    HeartbeatTimeout = TimeSpan.FromHours(1),
                });
            }
            catch (ServerStartException e)
            {
                throw new CliError(e.Message);
            }

            await using var app = built;
            if (!File.Exists(Path.Combine(dir, LeptonServer.AdminTokenFile)))
            {
                throw new CliError("--store: the database already has an admin token (it is not empty); give the bench a fresh database");
            }

            await app.StartAsync(cancellationToken);
            var baseAddress = new Uri(app.Urls.First());
            using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = clients + 4 };
            using var admin = Client(handler, baseAddress, (await File.ReadAllTextAsync(Path.Combine(dir, LeptonServer.AdminTokenFile), cancellationToken)).Trim());
            (await admin.PostAsJsonAsync("/api/v1/tenants", new TenantCreate { Name = "bench" }, LeptonJsonContext.Default.TenantCreate, cancellationToken))
                .EnsureSuccessStatusCode();
            using var agent = Client(handler, baseAddress, await TokenAsync(admin, new TokenCreate { Kind = "agent" }, cancellationToken));
            using var tenant = Client(handler, baseAddress, await TokenAsync(admin, new TokenCreate { Kind = "tenant", Tenant = "bench" }, cancellationToken));

            var progress = json ? Console.Error : Console.Out;
            progress.WriteLine($"registering {nodeCount} nodes...");
            var next = -1;
            await Task.WhenAll(Enumerable.Range(0, Math.Min(clients, nodeCount)).Select(_ => Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < nodeCount)
                {
                    var registration = new NodeRegistration
                    {
                        Name = $"node-{i:D5}",
                        CpuMilli = 64_000,
                        MemoryMiB = 512 * 1024,
                        Gpus = [.. Enumerable.Range(0, 8).Select(g => new GpuDevice { Index = g, Model = i % 2 == 0 ? "A100" : "V100", MemoryMiB = 40960 })],
                        NetworkMbps = 100_000,
                    };
                    (await agent.PostAsJsonAsync("/api/v1/agent/register", registration, LeptonJsonContext.Default.NodeRegistration, cancellationToken))
                        .EnsureSuccessStatusCode();
                }
            }, cancellationToken)));

            progress.WriteLine($"submitting {jobCount} jobs with {clients} concurrent clients...");
            var submitLatencies = new double[jobCount];
            var failures = 0;
            next = -1;
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < jobCount)
                {
                    var job = new JobSubmission
                    {
                        Name = $"bench-{i}",
                        Resources = new JobResources { CpuMilli = 1000, MemoryMiB = 1024, Gpu = i % 4 == 0 ? 1 : 0 },
                        Priority = 1 + (i % 9),
                        Command = ["true"],
                    };
                    var start = Stopwatch.GetTimestamp();
                    using var response = await tenant.PostAsJsonAsync("/api/v1/jobs", job, LeptonJsonContext.Default.JobSubmission, cancellationToken);
                    submitLatencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                    if (response.StatusCode != HttpStatusCode.Created)
                    {
                        Interlocked.Increment(ref failures);
                    }
                }
            }, cancellationToken)));
            var submitSeconds = clock.Elapsed.TotalSeconds;

            // Wait (bounded) for the scheduler to bind everything, then read the server's own timings.
            List<JobView> views;
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                views = await AllJobsAsync(tenant, cancellationToken);
                if (views.All(v => v.State != JobState.Pending) || deadline.Elapsed > TimeSpan.FromSeconds(60))
                {
                    break;
                }

                await Task.Delay(200, cancellationToken);
            }

            var scheduled = views.Select(v => v.Events.FirstOrDefault(e => e.Type == "Scheduled") is { } e ? (e.Time - v.CreatedAt).TotalMilliseconds : double.NaN)
                .Where(ms => !double.IsNaN(ms)).Order().ToArray();
            Array.Sort(submitLatencies);
            var c = CultureInfo.InvariantCulture;
            var metrics = (await admin.GetStringAsync("/metrics", cancellationToken)).Split('\n');
            // A series without labels is written name{} by the exporter (or plain name by others).
            double Metric(string name) => double.Parse(metrics.First(l => l.StartsWith(name + " ", StringComparison.Ordinal) || l.StartsWith(name + "{} ", StringComparison.Ordinal)).Split(' ')[1], c);
            var cycles = Metric("lepton_scheduling_cycle_seconds_count");
            var result = new Output.BenchApiResult
            {
                Nodes = nodeCount,
                Jobs = jobCount,
                Concurrency = clients,
                Policy = policy,
                Accepted = jobCount - failures,
                Failed = failures,
                SubmitSeconds = Math.Round(submitSeconds, 3),
                SubmissionsPerSecond = Math.Round((jobCount - failures) / submitSeconds, 1),
                SubmitLatencyP50Ms = Math.Round(Percentile(submitLatencies, 0.50), 2),
                SubmitLatencyP99Ms = Math.Round(Percentile(submitLatencies, 0.99), 2),
                ScheduledLatencyP50Ms = Math.Round(Percentile(scheduled, 0.50), 2),
                ScheduledLatencyP99Ms = Math.Round(Percentile(scheduled, 0.99), 2),
                ScheduledLatencyMaxMs = scheduled.Length > 0 ? Math.Round(scheduled[^1], 2) : double.NaN,
                Scheduled = scheduled.Length,
                SchedulingCycles = (long)cycles,
                SchedulingCycleMeanMs = Math.Round(1000 * Metric("lepton_scheduling_cycle_seconds_sum") / Math.Max(1, cycles), 3),
            };
            if (json)
            {
                Output.Terminal.WriteJson(result);
            }
            else
            {
                Console.WriteLine(string.Create(c, $"nodes {nodeCount}, jobs {jobCount}, concurrency {clients}, policy {policy}, store {(store is null ? "SQLite WAL synchronous=FULL" : LeptonServer.StoreDisplay(new LeptonServerOptions { DataDir = dir, Store = store }) + " synchronous_commit=on")}"));
                Console.WriteLine(string.Create(c, $"durable submissions/s:           {result.SubmissionsPerSecond:F0}  ({result.Accepted} accepted in {submitSeconds:F2} s, {failures} failed)"));
                Console.WriteLine(string.Create(c, $"submit latency (client) p50/p99: {result.SubmitLatencyP50Ms:F1} / {result.SubmitLatencyP99Ms:F1} ms"));
                Console.WriteLine(string.Create(c, $"submit->scheduled p50/p99/max:   {result.ScheduledLatencyP50Ms:F1} / {result.ScheduledLatencyP99Ms:F1} / {result.ScheduledLatencyMaxMs:F1} ms  ({scheduled.Length} of {views.Count} scheduled)"));
                Console.WriteLine(string.Create(c, $"scheduling cycles:               {cycles:F0}, mean {result.SchedulingCycleMeanMs:F2} ms"));
            }

            await app.StopAsync(CancellationToken.None);
        }
        finally
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a temp directory.
            }
        }
    }

    private static HttpClient Client(HttpMessageHandler handler, Uri baseAddress, string token)
    {
        var client = new HttpClient(handler, disposeHandler: false) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Every job, page by page (the API pages its job list).</summary>
    private static async Task<List<JobView>> AllJobsAsync(HttpClient tenant, CancellationToken cancellationToken)
    {
        var all = new List<JobView>();
        while (true)
        {
            var after = all.Count > 0 ? $"&after={all[^1].Id}" : "";
            var page = (await tenant.GetFromJsonAsync($"/api/v1/jobs?limit=1000{after}", LeptonJsonContext.Default.ListJobView, cancellationToken))!;
            all.AddRange(page);
            if (page.Count < 1000)
            {
                return all;
            }
        }
    }

    private static async Task<string> TokenAsync(HttpClient admin, TokenCreate create, CancellationToken cancellationToken)
    {
        var response = await admin.PostAsJsonAsync("/api/v1/tokens", create, LeptonJsonContext.Default.TokenCreate, cancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync(LeptonJsonContext.Default.TokenView, cancellationToken))!.Token!;
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
