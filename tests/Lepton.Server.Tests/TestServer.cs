using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Lepton.Client.Contracts;
using Microsoft.AspNetCore.Builder;

namespace Lepton.Server.Tests;

/// <summary>A real server on 127.0.0.1 (free port) with a SQLite file in a temp directory, plus typed HTTP helpers.</summary>
internal sealed class TestServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestServer(WebApplication app, string dataDir, bool ownsDir)
    {
        _app = app;
        DataDir = dataDir;
        OwnsDir = ownsDir;
        BaseAddress = new Uri(app.Urls.First());
        AdminToken = File.ReadAllText(Path.Combine(dataDir, LeptonServer.AdminTokenFile)).Trim();
        Admin = Client(AdminToken);
    }

    public string DataDir { get; }
    public bool OwnsDir { get; }
    public Uri BaseAddress { get; }
    public string AdminToken { get; }
    public HttpClient Admin { get; }

    /// <summary>The server's services (for tests that reach inside, e.g. to run a log retention sweep now).</summary>
    public IServiceProvider Services => _app.Services;

    public static async Task<TestServer> StartAsync(string? dataDir = null, TimeSpan? heartbeatTimeout = null,
        Func<LeptonServerOptions, LeptonServerOptions>? configure = null)
    {
        var owns = dataDir is null;
        dataDir ??= Path.Combine(Path.GetTempPath(), "lepton-test-" + Guid.NewGuid().ToString("N"));
        var options = new LeptonServerOptions
        {
            DataDir = dataDir,
            Urls = "http://127.0.0.1:0",
            SchedulerTick = TimeSpan.FromMilliseconds(200),
            HeartbeatTimeout = heartbeatTimeout ?? TimeSpan.FromMinutes(5),
        };
        var app = LeptonServer.BuildApp(configure is null ? options : configure(options));
        await app.StartAsync();
        return new TestServer(app, dataDir, owns);
    }

    public HttpClient Client(string? token)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    /// <summary>Creates a tenant and returns a client holding a token for it.</summary>
    public async Task<HttpClient> TenantAsync(string name, ResourceAmounts? quota = null)
    {
        var created = await Admin.PostAsJsonAsync("/api/v1/tenants", new TenantCreate { Name = name, Quota = quota }, LeptonJsonContext.Default.TenantCreate);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return Client(await TokenAsync("tenant", name));
    }

    public async Task<string> TokenAsync(string kind, string? tenant = null)
    {
        var response = await Admin.PostAsJsonAsync("/api/v1/tokens", new TokenCreate { Kind = kind, Tenant = tenant }, LeptonJsonContext.Default.TokenCreate);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var view = await response.Content.ReadFromJsonAsync(LeptonJsonContext.Default.TokenView);
        return view!.Token!;
    }

    public async Task<HttpClient> AgentAsync() => Client(await TokenAsync("agent"));

    /// <summary>Registers a node with a join (agent) token; returns a client holding the node's own credential.</summary>
    public async Task<HttpClient> RegisterAsync(HttpClient agent, string name, long cpuMilli = 8000, long memoryMiB = 32768, int gpus = 0,
        string model = "A100", IReadOnlyDictionary<string, string>? labels = null) =>
        Client(await RegisterForTokenAsync(agent, name, cpuMilli, memoryMiB, gpus, model, labels));

    /// <summary>Registers a node and returns the node credential the server issued.</summary>
    public static async Task<string> RegisterForTokenAsync(HttpClient agent, string name, long cpuMilli = 8000, long memoryMiB = 32768, int gpus = 0,
        string model = "A100", IReadOnlyDictionary<string, string>? labels = null)
    {
        var registered = await PostRegistrationAsync(agent, name, cpuMilli, memoryMiB, gpus, model, labels);
        return Assert.IsType<string>(registered.NodeToken);
    }

    /// <summary>Registers an existing node again with its own credential (an agent restarting, perhaps smaller).</summary>
    public static Task ReRegisterAsync(HttpClient node, string name, long cpuMilli = 8000, long memoryMiB = 32768, int gpus = 0,
        string model = "A100", IReadOnlyDictionary<string, string>? labels = null) =>
        PostRegistrationAsync(node, name, cpuMilli, memoryMiB, gpus, model, labels);

    private static async Task<NodeRegistered> PostRegistrationAsync(HttpClient client, string name, long cpuMilli, long memoryMiB, int gpus,
        string model, IReadOnlyDictionary<string, string>? labels)
    {
        var registration = new NodeRegistration
        {
            Name = name,
            CpuMilli = cpuMilli,
            MemoryMiB = memoryMiB,
            Gpus = [.. Enumerable.Range(0, gpus).Select(i => new GpuDevice { Index = i, Model = model, MemoryMiB = 40960 })],
            Labels = labels ?? new Dictionary<string, string>(),
        };
        var response = await client.PostAsJsonAsync("/api/v1/agent/register", registration, LeptonJsonContext.Default.NodeRegistration);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync(LeptonJsonContext.Default.NodeRegistered))!;
    }

    public static JobSubmission Job(string name = "job", int replicas = 1, long cpuMilli = 1000, long memoryMiB = 1024, int gpu = 0,
        int priority = 5, bool preemptible = false, int maxRetries = 0) => new()
    {
        Name = name,
        Replicas = replicas,
        Resources = new JobResources { CpuMilli = cpuMilli, MemoryMiB = memoryMiB, Gpu = gpu },
        Priority = priority,
        Preemptible = preemptible,
        Command = ["true"],
        MaxRetries = maxRetries,
    };

    public static async Task<JobView> SubmitAsync(HttpClient tenant, JobSubmission job)
    {
        var response = await tenant.PostAsJsonAsync("/api/v1/jobs", job, LeptonJsonContext.Default.JobSubmission);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync(LeptonJsonContext.Default.JobView))!;
    }

    public static async Task<JobView> GetAsync(HttpClient client, long id) =>
        (await client.GetFromJsonAsync($"/api/v1/jobs/{id}", LeptonJsonContext.Default.JobView))!;

    /// <summary>Polls a job until <paramref name="until"/> holds (fails after 15 s; the scheduler ticks every 200 ms).</summary>
    public static async Task<JobView> WaitAsync(HttpClient client, long id, Func<JobView, bool> until)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var job = await GetAsync(client, id);
            if (until(job))
            {
                return job;
            }

            Assert.True(DateTime.UtcNow < deadline, $"job {id} never reached the expected condition; last: {job.State} {job.Reason?.Code} {job.Reason?.Message}");
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Admin.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (OwnsDir)
        {
            try
            {
                Directory.Delete(DataDir, recursive: true);
            }
            catch (IOException)
            {
                // Best effort.
            }
        }
    }
}
