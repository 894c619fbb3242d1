using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Lepton.Client.Contracts;
using Lepton.Server;
using Microsoft.AspNetCore.Builder;

namespace Lepton.EndToEnd.Tests.Agents;

/// <summary>A real cluster on loopback for a test: an in-process server with short heartbeat settings and agent child processes.</summary>
/// <remarks>The agents are real <c>lepton agent</c> processes started from the test's output folder, so killing one with SIGKILL
/// is exactly a machine disappearing. The server runs in-process so its heartbeat timeout can be made short.</remarks>
internal sealed class LocalCluster : IAsyncDisposable
{
    /// <summary>Agents heartbeat this often in tests.</summary>
    public static readonly TimeSpan Heartbeat = TimeSpan.FromMilliseconds(500);

    /// <summary>A node silent this long is marked Down in tests.</summary>
    public static readonly TimeSpan HeartbeatTimeout = TimeSpan.FromSeconds(3);

    /// <summary>A node idle this long is reported reclaimable in tests.</summary>
    public static readonly TimeSpan ReclaimAfter = TimeSpan.FromSeconds(1);

    private readonly string _directory;
    private readonly LeptonServerOptions _serverOptions;
    private WebApplication _server;
    private readonly Dictionary<string, Process> _agents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _declarations = new(StringComparer.Ordinal);
    private readonly StringBuilder _agentOutput = new();

    private LocalCluster(string directory, LeptonServerOptions serverOptions, WebApplication server, Uri url, HttpClient admin, HttpClient tenant, string agentToken)
    {
        _directory = directory;
        _serverOptions = serverOptions;
        _server = server;
        Url = url;
        Admin = admin;
        Tenant = tenant;
        AgentToken = agentToken;
    }

    public Uri Url { get; }

    public HttpClient Admin { get; }

    public HttpClient Tenant { get; }

    public string AgentToken { get; }

    /// <summary>What the agents wrote to stderr, for failure messages.</summary>
    public string AgentOutput
    {
        get
        {
            lock (_agentOutput)
            {
                return _agentOutput.ToString();
            }
        }
    }

    /// <summary>Starts a server and one agent per declaration, named <c>agent-0</c>, <c>agent-1</c>…, and waits until all are registered.</summary>
    public static async Task<LocalCluster> StartAsync(params string[] declarations)
    {
        var directory = Path.Combine(Path.GetTempPath(), "lepton-e2e-agents-" + Guid.NewGuid().ToString("N"));
        // A fixed port, so that a restarted server is found by the agents at the same address.
        var options = new LeptonServerOptions
        {
            DataDir = Path.Combine(directory, "server"),
            Urls = $"http://127.0.0.1:{FreePort()}",
            HeartbeatInterval = Heartbeat,
            HeartbeatTimeout = HeartbeatTimeout,
            SchedulerTick = TimeSpan.FromMilliseconds(200),
            ReclaimAfter = ReclaimAfter,
        };
        var server = LeptonServer.BuildApp(options);
        await server.StartAsync();
        var url = new Uri(LeptonServer.Addresses(server)[0].TrimEnd('/') + "/");
        var adminToken = (await File.ReadAllTextAsync(Path.Combine(directory, "server", LeptonServer.AdminTokenFile))).Trim();
        var admin = Client(url, adminToken);
        (await admin.PostAsJsonAsync("api/v1/tenants", new { name = "team", fairShareWeight = 1.0 })).EnsureSuccessStatusCode();
        var tenantToken = await CreateTokenAsync(admin, new TokenCreate { Kind = "tenant", Tenant = "team" });
        var agentToken = await CreateTokenAsync(admin, new TokenCreate { Kind = "agent" });
        var cluster = new LocalCluster(directory, options, server, url, admin, Client(url, tenantToken), agentToken);
        for (var i = 0; i < declarations.Length; i++)
        {
            cluster.StartAgent($"agent-{i}", declarations[i]);
        }

        await cluster.WaitAsync(async () => (await cluster.NodesAsync()).Count(n => n.State == "Ready") == declarations.Length, "every agent registers");
        return cluster;
    }

    /// <summary>Starts (or restarts, on the same work directory) an agent process; <paramref name="extra"/> are more <c>lepton agent</c> options.</summary>
    public void StartAgent(string name, string declaration, params string[] extra)
    {
        _declarations[name] = declaration;
        if (_agents.TryGetValue(name, out var previous))
        {
            previous.Dispose();
        }

        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        string[] arguments =
        [
            Path.Combine(AppContext.BaseDirectory, "lepton.dll"), "agent", "--server", Url.ToString(),
            "--name", name, "--declare", declaration, "--no-gpu-detection", "--address", "127.0.0.1",
            "--heartbeat-seconds", Heartbeat.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--stop-grace-seconds", "2", "--price-per-hour", "2.5", "--idle-watts", "100", "--work-dir", Path.Combine(_directory, "agents", name),
            .. extra,
        ];
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // The token travels in the environment, never on the command line where every process could read it.
        info.Environment["LEPTON_AGENT_TOKEN"] = AgentToken;

        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, e) => Record(e.Data);
        process.ErrorDataReceived += (_, e) => Record(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _agents[name] = process;
    }

    /// <summary>Stops the server and starts a new one on the same data directory and address (agents keep running).</summary>
    public async Task RestartServerAsync()
    {
        await _server.StopAsync();
        await _server.DisposeAsync();
        _server = LeptonServer.BuildApp(_serverOptions);
        await _server.StartAsync();
    }

    /// <summary>Kills an agent process with SIGKILL, as a crash or the OOM killer would.</summary>
    public void KillAgent(string name)
    {
        _agents[name].Kill(entireProcessTree: false);
        _agents[name].WaitForExit();
    }

    /// <summary>The work directory of agent <paramref name="name"/> (its tasks, ledger and node credential).</summary>
    public string AgentWorkDirectory(string name) => Path.Combine(_directory, "agents", name);

    /// <summary>Stops an agent cleanly with SIGTERM (as a service manager would) and waits until it has exited.</summary>
    public void StopAgent(string name)
    {
        Signal(_agents[name].Id, 15);
        Assert.True(_agents[name].WaitForExit(TimeSpan.FromSeconds(30)), $"agent {name} did not stop\n{AgentOutput}");
    }

    /// <summary>Live processes on this machine whose command line has <paramref name="argument"/> as one of its arguments.</summary>
    /// <remarks>Tasks run in their own PID namespaces, so the pid a task prints means nothing here: tests mark them instead.</remarks>
    public static List<int> ProcessesWithArgument(string argument)
    {
        var found = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), out var pid))
            {
                try
                {
                    if (File.ReadAllText(Path.Combine(directory, "cmdline")).Split('\0').Contains(argument) && IsAlive(pid))
                    {
                        found.Add(pid);
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Gone while we looked.
                }
            }
        }

        return found;
    }

    /// <summary>Starts a killed agent again under the same name, declaration and work directory.</summary>
    public void RestartAgent(string name) => StartAgent(name, _declarations[name]);

    public async Task<long> SubmitAsync(JobSubmission job)
    {
        using var response = await Tenant.PostAsJsonAsync("api/v1/jobs", job, LeptonJsonContext.Default.JobSubmission);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"submit failed: {(int)response.StatusCode} {body}");
        return JsonSerializer.Deserialize(body, LeptonJsonContext.Default.JobView)!.Id;
    }

    public async Task<JobView> JobAsync(long id) =>
        (await Tenant.GetFromJsonAsync($"api/v1/jobs/{id}", LeptonJsonContext.Default.JobView))!;

    public async Task<List<NodeView>> NodesAsync() =>
        (await Admin.GetFromJsonAsync("api/v1/nodes", LeptonJsonContext.Default.ListNodeView))!;

    public async Task<string> LogsAsync(long id, string query = "") => await Tenant.GetStringAsync($"api/v1/jobs/{id}/logs{query}");

    /// <summary>Waits (bounded) until the job satisfies <paramref name="condition"/>; returns it.</summary>
    public async Task<JobView> WaitForJobAsync(long id, Func<JobView, bool> condition, string what, int seconds = 60)
    {
        JobView job = await JobAsync(id);
        var clock = Stopwatch.StartNew();
        while (!condition(job))
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(seconds))
            {
                Assert.Fail($"timed out waiting until {what}; job is {JsonSerializer.Serialize(job, LeptonJsonContext.Default.JobView)}\nagents:\n{AgentOutput}");
            }

            await Task.Delay(100);
            job = await JobAsync(id);
        }

        return job;
    }

    /// <summary>Waits (bounded) until <paramref name="condition"/> holds.</summary>
    public async Task WaitAsync(Func<Task<bool>> condition, string what, int seconds = 60)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(seconds))
            {
                Assert.Fail($"timed out waiting until {what}\nagents:\n{AgentOutput}");
            }

            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _agents.Values)
        {
            if (!process.HasExited)
            {
                // SIGTERM: the agent stops its tasks (their whole process groups) before it exits.
                Signal(process.Id, 15);
            }
        }

        foreach (var process in _agents.Values)
        {
            if (!process.WaitForExit(TimeSpan.FromSeconds(20)))
            {
                process.Kill(entireProcessTree: true);
            }

            process.Dispose();
        }

        await _server.StopAsync();
        await _server.DisposeAsync();
        Admin.Dispose();
        Tenant.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A task left behind by a SIGKILLed agent may still be writing its working directory.
        }
    }

    /// <summary>True while process <paramref name="pid"/> exists and is not a zombie.</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0] is not ("Z" or "X");
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var socket = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        socket.Start();
        return ((System.Net.IPEndPoint)socket.LocalEndpoint).Port;
    }

    private static HttpClient Client(Uri url, string token)
    {
        var client = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static async Task<string> CreateTokenAsync(HttpClient admin, TokenCreate create)
    {
        using var response = await admin.PostAsJsonAsync("api/v1/tokens", create, LeptonJsonContext.Default.TokenCreate);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync(LeptonJsonContext.Default.TokenView))!.Token!;
    }

    private void Record(string? line)
    {
        if (line is not null)
        {
            lock (_agentOutput)
            {
                _agentOutput.AppendLine(line);
            }
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    private static extern int Signal(int pid, int signal);
}
