using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Lepton.Client;
using Lepton.Client.Contracts;
using Npgsql;

namespace Lepton.Server.Tests.Postgres;

/// <summary>Two real <c>lepton serve</c> processes on one real PostgreSQL: the leader dies (SIGKILL) or freezes (SIGSTOP)
/// and the other takes over without losing an acknowledged job, running a task twice or letting the old leader commit.</summary>
public sealed class FailoverTests(PostgresServer postgres, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "lepton-ha-" + Guid.NewGuid().ToString("N"));
    private readonly List<Process> _processes = [];
    private readonly ConcurrentQueue<string> _log = new();

    [Fact]
    public async Task KillLeader_WithAgentsAndSubmissionsInFlight_FollowerTakesOverLosingNothing()
    {
        var (a, b, url) = await StartPairAsync();
        using var admin = Client(a, await AdminTokenAsync());
        var tenantToken = await SetUpTenantAsync(admin);
        var agentToken = await CreateTokenAsync(admin, new TokenCreate { Kind = "agent" });
        var marks = Path.Combine(_dir, "marks");
        Directory.CreateDirectory(marks);
        for (var i = 0; i < 2; i++)
        {
            StartAgent($"agent-{i}", agentToken, a, b);
        }

        await WaitAsync(async () => (await NodesAsync(admin)).Count(n => n.State == "Ready") == 2, "both agents register");

        // Submissions through the SDK with both servers: it moves to the follower when the leader stops answering.
        using var tenant = new LeptonClient([a, b], tenantToken) { RequestTimeout = TimeSpan.FromSeconds(10), SubmitRetries = 8 };
        var acknowledged = new ConcurrentDictionary<long, string>();
        var killed = 0L;
        using var stop = new CancellationTokenSource();
        var submitter = Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested && i < 60; i++)
            {
                var job = await tenant.SubmitJobAsync(MarkingJob($"job-{i}", marks), stop.Token);
                acknowledged[job.Id] = job.Name;
                await Task.Delay(100, stop.Token);
            }
        });
        await WaitAsync(() => Task.FromResult(acknowledged.Count >= 15 || submitter.IsCompleted), "15 submissions before the kill");
        await WaitAsync(async () => (await JobsAsync(tenant)).Any(j => j.State == JobState.Running), "a job running before the kill");

        _processes[0].Kill();
        var killedAt = Stopwatch.GetTimestamp();
        Interlocked.Exchange(ref killed, acknowledged.Count);
        output.WriteLine($"SIGKILL of the leader after {killed} acknowledged submissions");

        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await WaitAsync(async () => (await HealthAsync(probe, b)).Role == "leader", "the follower takes over", TimeSpan.FromSeconds(30));
        var takeover = Stopwatch.GetElapsedTime(killedAt);

        await submitter.WaitAsync(TimeSpan.FromSeconds(120));
        await WaitAsync(async () => (await JobsAsync(tenant)).Count(j => j.State == JobState.Succeeded) >= acknowledged.Count,
            "every acknowledged job finishes", TimeSpan.FromSeconds(120));
        var firstScheduledAfter = FirstScheduledAfterKill(await JobsAsync(tenant), killedAt);
        output.WriteLine($"takeover {takeover.TotalSeconds:F1} s after SIGKILL; first job scheduled by the new leader {firstScheduledAfter}");

        var jobs = (await JobsAsync(tenant)).ToDictionary(j => j.Id);
        var lost = acknowledged.Keys.Where(id => !jobs.ContainsKey(id)).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} acknowledged jobs lost: {string.Join(",", lost)}");
        Assert.All(acknowledged.Keys, id => Assert.Equal(JobState.Succeeded, jobs[id].State));
        var overlaps = Path.Combine(marks, "overlaps");
        Assert.False(File.Exists(overlaps), $"tasks ran twice at the same time: {(File.Exists(overlaps) ? File.ReadAllText(overlaps) : "")}");
        Assert.Equal(2, (await NodesAsync(Client(b, await AdminTokenAsync()))).Count(n => n.State == "Ready"));
    }

    [Fact]
    public async Task PausedLeader_ResumedAfterTakeover_CommitsNothing()
    {
        var (a, b, url) = await StartPairAsync();
        using var admin = Client(a, await AdminTokenAsync());
        var tenantToken = await SetUpTenantAsync(admin);
        using var onA = Client(a, tenantToken);
        var acknowledged = new ConcurrentDictionary<long, bool>();
        using var stop = new CancellationTokenSource();
        // Writers that talk to the old leader only, before, during and after its pause.
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                try
                {
                    using var response = await onA.PostAsJsonAsync("/api/v1/jobs", TestServer.Job($"w{w}-{i}"), LeptonJsonContext.Default.JobSubmission, stop.Token);
                    if (response.StatusCode == HttpStatusCode.Created)
                    {
                        acknowledged[(await response.Content.ReadFromJsonAsync(LeptonJsonContext.Default.JobView))!.Id] = true;
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    // Paused server: the request times out.
                }
            }
        })).ToList();
        await WaitAsync(() => Task.FromResult(acknowledged.Count >= 30), "30 submissions before the pause");

        Signal(_processes[0].Id, "STOP");
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await WaitAsync(async () => (await HealthAsync(probe, b)).Role == "leader", "the follower takes over", TimeSpan.FromSeconds(30));
        Signal(_processes[0].Id, "CONT");
        var before = acknowledged.Count;
        await WaitAsync(() => Task.FromResult(acknowledged.Count >= before + 20), "the resumed server keeps answering (forwarding to the new leader)");
        await stop.CancelAsync();
        await Task.WhenAll(writers.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));

        var health = await HealthAsync(probe, a);
        Assert.Equal("follower", health.Role);
        // The new leader never reloads while it leads: if the old one had committed anything after the takeover, the store
        // would hold rows the leader's model lacks.
        using var tenantOnB = new LeptonClient(b, tenantToken);
        var leaderJobs = (await tenantOnB.ListJobsAsync()).Select(j => j.Id).ToHashSet();
        Assert.Equal(await CountJobsAsync(url), leaderJobs.Count);
        var lost = acknowledged.Keys.Where(id => !leaderJobs.Contains(id)).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} acknowledged jobs lost: {string.Join(",", lost.Take(10))}");
    }

    [Fact]
    public async Task JobLogs_ReadThroughTheFollower_ShowTheLinesTheLeaderKept()
    {
        var (a, b, _) = await StartPairAsync();
        using var admin = Client(a, await AdminTokenAsync());
        var tenantToken = await SetUpTenantAsync(admin);
        StartAgent("agent-0", await CreateTokenAsync(admin, new TokenCreate { Kind = "agent" }), a, b);
        using var onA = new LeptonClient(a, tenantToken);
        var job = await onA.SubmitJobAsync(TestServer.Job("hello") with { Command = ["sh", "-c", "echo hello from the job"] });
        await WaitAsync(async () => (await JobsAsync(onA)).Any(j => j.Id == job.Id && j.State == JobState.Succeeded), "the job succeeds");

        using var onB = new LeptonClient(b, tenantToken);
        var lines = new List<string>();
        await foreach (var line in onB.GetLogsAsync(job.Id))
        {
            lines.Add(line);
        }

        Assert.Contains(lines, l => l.Contains("hello from the job", StringComparison.Ordinal));

        // Forwarding keeps the caller's token: another tenant asking the follower for these logs gets the leader's 404.
        (await admin.PostAsJsonAsync("/api/v1/tenants", new TenantCreate { Name = "other" }, LeptonJsonContext.Default.TenantCreate)).EnsureSuccessStatusCode();
        using var otherOnB = new LeptonClient(b, await CreateTokenAsync(admin, new TokenCreate { Kind = "tenant", Tenant = "other" }));
        var refused = await Assert.ThrowsAsync<LeptonApiException>(async () =>
        {
            await foreach (var line in otherOnB.GetLogsAsync(job.Id))
            {
                Assert.Fail($"another tenant read a line: {line}");
            }
        });
        Assert.Equal(HttpStatusCode.NotFound, refused.Status);
    }

    /// <inheritdoc/>
    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            try
            {
                Signal(process.Id, "CONT");
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            process.Dispose();
        }

        if (!_log.IsEmpty)
        {
            output.WriteLine(string.Join('\n', _log.TakeLast(200)));
        }

        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // An agent's task directory may still be in use for a moment.
        }
    }

    private async Task<(Uri A, Uri B, string Store)> StartPairAsync()
    {
        var url = await postgres.CreateDatabaseAsync();
        var (portA, portB) = (CrashTests.FreePort(), CrashTests.FreePort());
        // A starts first and leads; B shares its data directory only for the admin token file, as 'lepton up --ha' does.
        _processes.Add(await CrashTests.ServeAsync(Path.Combine(_dir, "a"), portA, line => _log.Enqueue("a: " + line), "--store", url));
        _processes.Add(await CrashTests.ServeAsync(Path.Combine(_dir, "b"), portB, line => _log.Enqueue("b: " + line), "--store", url));
        var (a, b) = (new Uri($"http://127.0.0.1:{portA}/"), new Uri($"http://127.0.0.1:{portB}/"));
        using var probe = new HttpClient();
        Assert.Equal("leader", (await HealthAsync(probe, a)).Role);
        Assert.Equal("follower", (await HealthAsync(probe, b)).Role);
        return (a, b, url);
    }

    private Task<string> AdminTokenAsync() => File.ReadAllTextAsync(Path.Combine(_dir, "a", "admin-token")).ContinueWith(t => t.Result.Trim(), TaskScheduler.Default);

    private void StartAgent(string name, string token, Uri a, Uri b) => _processes.Add(CrashTests.StartLepton(
        ["agent", "--server", $"{a},{b}", "--name", name, "--declare", "cpu=4,memory=8Gi", "--no-gpu-detection", "--address", "127.0.0.1",
            "--heartbeat-seconds", "1", "--isolation", "none", "--stop-grace-seconds", "1", "--work-dir", Path.Combine(_dir, "agents", name)],
        new Dictionary<string, string> { ["LEPTON_AGENT_TOKEN"] = token }, line => _log.Enqueue($"{name}: {line}")));

    /// <summary>A job that notes, in <paramref name="marks"/>, whenever it starts while another copy of it still runs.</summary>
    private static JobSubmission MarkingJob(string name, string marks) => TestServer.Job(name) with
    {
        Command = ["sh", "-c", $"mkdir {marks}/{name}.running 2>/dev/null || echo {name} >> {marks}/overlaps; sleep 1; rmdir {marks}/{name}.running"],
    };

    private static string FirstScheduledAfterKill(IReadOnlyList<JobView> jobs, long killedAt)
    {
        var killTime = DateTimeOffset.UtcNow - Stopwatch.GetElapsedTime(killedAt);
        var first = jobs.SelectMany(j => j.Events).Where(e => e.Type == "Scheduled" && e.Time > killTime).Select(e => (DateTimeOffset?)e.Time).Min();
        return first is { } t ? $"{(t - killTime).TotalSeconds:F1} s after SIGKILL" : "(none)";
    }

    private static async Task<int> CountJobsAsync(string url)
    {
        await using var connection = new NpgsqlConnection(Lepton.Server.Persistence.PostgresLocation.Parse(url).ConnectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM jobs", connection);
        return (int)(long)(await count.ExecuteScalarAsync())!;
    }

    private static async Task<(string Role, int Status)> HealthAsync(HttpClient probe, Uri server)
    {
        try
        {
            using var response = await probe.GetAsync(new Uri(server, "healthz"));
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return (body.RootElement.GetProperty("role").GetString()!, (int)response.StatusCode);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
        {
            return ("unreachable", 0);
        }
    }

    private static async Task<IReadOnlyList<JobView>> JobsAsync(LeptonClient client)
    {
        try
        {
            return await client.ListJobsAsync();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or LeptonApiException)
        {
            return [];
        }
    }

    private static async Task<List<NodeView>> NodesAsync(HttpClient admin)
    {
        try
        {
            return (await admin.GetFromJsonAsync("/api/v1/nodes", LeptonJsonContext.Default.ListNodeView))!;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return [];
        }
    }

    private static async Task<string> SetUpTenantAsync(HttpClient admin)
    {
        (await admin.PostAsJsonAsync("/api/v1/tenants", new TenantCreate { Name = "team" }, LeptonJsonContext.Default.TenantCreate)).EnsureSuccessStatusCode();
        return await CreateTokenAsync(admin, new TokenCreate { Kind = "tenant", Tenant = "team" });
    }

    private static async Task<string> CreateTokenAsync(HttpClient admin, TokenCreate create)
    {
        using var response = await admin.PostAsJsonAsync("/api/v1/tokens", create, LeptonJsonContext.Default.TokenCreate);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync(LeptonJsonContext.Default.TokenView))!.Token!;
    }

    private static HttpClient Client(Uri server, string token)
    {
        var client = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromSeconds(5) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static void Signal(int pid, string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    private async Task WaitAsync(Func<Task<bool>> condition, string what, TimeSpan? limit = null)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)((limit ?? TimeSpan.FromSeconds(60)).TotalSeconds * Stopwatch.Frequency);
        while (!await condition())
        {
            Assert.True(Stopwatch.GetTimestamp() < deadline, $"timed out waiting until {what}\n{string.Join('\n', _log.TakeLast(60))}");
            await Task.Delay(100);
        }
    }
}
