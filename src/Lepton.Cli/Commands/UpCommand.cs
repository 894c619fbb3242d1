using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using Lepton.Cli.Connection;
using Lepton.Client.Contracts;
using Lepton.Core.Placement;
using Lepton.Server;

namespace Lepton.Cli.Commands;

/// <summary><c>lepton up</c>: a whole local cluster in one command — the server plus one agent for this machine, or N agents with declared resources.</summary>
/// <remarks>
/// The server runs in this process (so its heartbeat timeout and reclaim threshold are options here); the agents run as
/// child <c>lepton agent</c> processes, exactly as they would on real machines, so what works here works there. The agents use an agent token that is created once and
/// kept in <c>DIR/agent-token</c>. Ctrl-C (or SIGTERM) stops the agents first, so their tasks are stopped, then the server.
/// </remarks>
internal sealed class UpCommand : ICliCommand
{
    private const int SigTerm = 15;

    /// <summary>Declarations for <c>--agents N</c> without <c>--declare</c>: a small heterogeneous cluster.</summary>
    private static readonly string[] DefaultShapes =
    [
        "cpu=8,memory=32Gi,gpus=4xA100,network=10000",
        "cpu=8,memory=32Gi,gpus=2xV100M32,network=10000",
        "cpu=4,memory=16Gi,network=1000",
    ];

    /// <summary>Price per hour, idle and peak watts of <see cref="DefaultShapes"/>, in turn: rough figures for such machines,
    /// so that the demo cluster's dashboard and <c>lepton report usage</c> show cost and energy.</summary>
    private static readonly string[][] DefaultEconomics =
    [
        ["--price-per-hour", "12", "--idle-watts", "450", "--peak-watts", "1900"],
        ["--price-per-hour", "5", "--idle-watts", "250", "--peak-watts", "900"],
        ["--price-per-hour", "0.4", "--idle-watts", "60", "--peak-watts", "180"],
    ];

    /// <inheritdoc/>
    public Command Build()
    {
        var dataDir = new Option<string>("--data-dir") { Description = "Where the server keeps its SQLite store and tokens, and agents their task directories.", DefaultValueFactory = _ => LocalTokenFiles.DefaultDataDir };
        var urls = new Option<string>("--urls") { Description = "The server's listen URL.", DefaultValueFactory = _ => "http://127.0.0.1:8080" };
        var agents = new Option<int?>("--agents") { Description = "Run N agents with declared resources (a small heterogeneous cluster) instead of one agent for this machine." };
        var declare = new Option<string[]>("--declare") { Description = "Resources of the agents, e.g. \"cpu=8,memory=32Gi,gpus=2xA100\"; repeat to give agents different shapes (used in turn).", AllowMultipleArgumentsPerToken = false };
        var policy = new Option<string>("--policy") { Description = $"Placement policy ({string.Join(", ", PolicyRegistry.Names)}).", DefaultValueFactory = _ => LeptonServerOptions.DefaultPolicy };
        var heartbeat = new Option<double?>("--heartbeat-seconds") { Description = "How often agents heartbeat (default 3)." };
        var heartbeatTimeout = new Option<double?>("--heartbeat-timeout-seconds") { Description = "A node silent this long is marked Down and its work requeued (default 15)." };
        var reclaimAfter = new Option<double?>("--reclaim-after-seconds") { Description = "A node holding nothing this long is reported reclaimable (default 600)." };

        var ha = new Option<bool>("--ha")
        {
            Description = "Highly available: a throwaway local PostgreSQL, two servers on it (--urls and the next port; one leads) and the agents, to watch a failover.",
        };
        var command = new Command("up", "Start a local cluster: the server (SQLite in --data-dir) and agents; Ctrl-C stops everything.")
        {
            dataDir, urls, agents, declare, policy, heartbeat, heartbeatTimeout, reclaimAfter, ha,
        };
        var energy = new ServeEnergyOptions(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var directory = Path.GetFullPath(parse.GetValue(dataDir)!);
            var url = parse.GetValue(urls)!.TrimEnd('/');
            if (!Uri.TryCreate(url, UriKind.Absolute, out var baseUri) || baseUri.Scheme != "http")
            {
                throw new CliError($"--urls: '{url}' is not an http URL", 2);
            }

            var count = parse.GetValue(agents);
            if (count is < 1 or > 64)
            {
                throw new CliError("--agents must be between 1 and 64", 2);
            }

            var shapes = parse.GetValue(declare) ?? [];
            foreach (var shape in shapes)
            {
                AgentCommand.ParseDeclare(shape);
            }

            var policyName = parse.GetValue(policy)!;
            if (!PolicyRegistry.TryGet(policyName, out _))
            {
                throw new CliError($"unknown policy '{policyName}'; choose one of {string.Join(", ", PolicyRegistry.Names)}", 2);
            }

            var defaults = new LeptonServerOptions { DataDir = directory };
            var options = defaults with
            {
                Urls = url,
                Policy = policyName,
                HeartbeatInterval = Seconds("--heartbeat-seconds", parse.GetValue(heartbeat)) ?? defaults.HeartbeatInterval,
                HeartbeatTimeout = Seconds("--heartbeat-timeout-seconds", parse.GetValue(heartbeatTimeout)) ?? defaults.HeartbeatTimeout,
                ReclaimAfter = Seconds("--reclaim-after-seconds", parse.GetValue(reclaimAfter)) ?? defaults.ReclaimAfter,
                Announce = Console.Out,
                LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
            };
            options = energy.Apply(parse, options);
            if (options.HeartbeatTimeout <= options.HeartbeatInterval)
            {
                throw new CliError("--heartbeat-timeout-seconds must be longer than the heartbeat period", 2);
            }

            Directory.CreateDirectory(directory);
            using var termination = new TerminationSignal(cancellationToken);
            if (parse.GetValue(ha))
            {
                return await RunHighlyAvailableAsync(options, count, shapes, parse.GetValue(heartbeat), termination.Token);
            }

            return await RunAsync(options, count, shapes, parse.GetValue(heartbeat), termination.Token);
        });
        return command;
    }

    private static async Task<int> RunAsync(LeptonServerOptions options, int? agentCount, string[] shapes, double? heartbeatSeconds, CancellationToken cancellationToken)
    {
        ListenAddress.EnsureFree(options.Urls);
        var agents = new List<Process>();
        await using var server = LeptonServer.BuildApp(options);
        try
        {
            try
            {
                await server.StartAsync(CancellationToken.None);
            }
            catch (IOException e)
            {
                throw new CliError($"cannot listen on {options.Urls}: {e.Message}");
            }

            var url = options.Urls;
            var directory = options.DataDir;

            // Commands run in this folder find the cluster on whatever port --urls chose.
            await File.WriteAllTextAsync(Path.Combine(directory, LocalTokenFiles.Url), url + "\n", CancellationToken.None);
            using var http = new HttpClient { BaseAddress = new Uri(url + "/"), Timeout = TimeSpan.FromSeconds(5) };
            var adminTokenPath = Path.Combine(directory, LeptonServer.AdminTokenFile);
            var adminToken = (await File.ReadAllTextAsync(adminTokenPath, cancellationToken)).Trim();
            var agentTokenPath = await AgentTokenAsync(http, directory, adminToken, cancellationToken);
            var tenantTokenPath = await DefaultTenantTokenAsync(http, directory, adminToken, cancellationToken);
            var commandLines = AgentArguments(directory, url, agentTokenPath, agentCount, shapes, heartbeatSeconds);
            foreach (var (_, arguments) in commandLines)
            {
                agents.Add(StartLepton(arguments));
            }

            Console.WriteLine();
            Console.WriteLine($"Lepton is up: dashboard {url}/   API {url}/api/v1   metrics {url}/metrics");
            Console.WriteLine($"Admin token: {adminTokenPath}   (e.g. curl -H \"Authorization: Bearer $(cat {adminTokenPath})\" {url}/api/v1/nodes)");
            Console.WriteLine($"Team token:  {tenantTokenPath}   (tenant '{DefaultTenant}'; 'lepton job ...' run in this folder submits with it)");
            Console.WriteLine($"{commandLines.Count} agent(s): {string.Join(", ", commandLines.Select(a => a.Name))}. Press Ctrl-C to stop.");

            await Task.Delay(Timeout.Infinite, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
            Console.WriteLine("Stopping agents and server…");
            return 0;
        }
        finally
        {
            // Agents first: they stop their tasks; then the server.
            await StopAsync(agents, TimeSpan.FromSeconds(20));
            foreach (var process in agents)
            {
                process.Dispose();
            }

            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await server.StopAsync(grace.Token);
        }
    }

    /// <summary><c>lepton up --ha</c>: a throwaway PostgreSQL, two <c>lepton serve</c> processes on it (the first data dir is
    /// the cluster's, so the local token files work as usual) and agents that know both servers.</summary>
    private static async Task<int> RunHighlyAvailableAsync(LeptonServerOptions options, int? agentCount, string[] shapes, double? heartbeatSeconds,
        CancellationToken cancellationToken)
    {
        var first = new Uri(options.Urls);
        var second = new UriBuilder(first) { Port = first.Port + 1 }.Uri;
        var urls = new[] { first.AbsoluteUri.TrimEnd('/'), second.AbsoluteUri.TrimEnd('/') };
        foreach (var url in urls)
        {
            ListenAddress.EnsureFree(url);
        }

        await using var postgres = await LocalPostgres.StartAsync();
        var directory = options.DataDir;
        var servers = new List<Process>();
        var agents = new List<Process>();
        try
        {
            for (var i = 0; i < urls.Length; i++)
            {
                servers.Add(StartLepton(["serve", "--data-dir", i == 0 ? directory : Path.Combine(directory, $"server-{i + 1}"), "--urls", urls[i],
                    "--store", postgres.Url, "--policy", options.Policy ?? LeptonServerOptions.DefaultPolicy]));
                // The first one leads: wait for it before starting the second, so the admin token is in this cluster's folder.
                using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
                var deadline = DateTime.UtcNow.AddSeconds(60);
                while (!await AnswersAsync(probe, urls[i] + "/healthz"))
                {
                    if (servers[i].HasExited || DateTime.UtcNow > deadline)
                    {
                        throw new CliError($"the server on {urls[i]} did not start");
                    }

                    await Task.Delay(200, cancellationToken);
                }
            }

            // Commands run in this folder try both servers.
            await File.WriteAllTextAsync(Path.Combine(directory, LocalTokenFiles.Url), string.Join(',', urls) + "\n", CancellationToken.None);
            using var http = new HttpClient { BaseAddress = new Uri(urls[0] + "/"), Timeout = TimeSpan.FromSeconds(5) };
            var adminTokenPath = Path.Combine(directory, LeptonServer.AdminTokenFile);
            var adminToken = (await File.ReadAllTextAsync(adminTokenPath, cancellationToken)).Trim();
            var agentTokenPath = await AgentTokenAsync(http, directory, adminToken, cancellationToken);
            var tenantTokenPath = await DefaultTenantTokenAsync(http, directory, adminToken, cancellationToken);
            var commandLines = AgentArguments(directory, string.Join(',', urls), agentTokenPath, agentCount, shapes, heartbeatSeconds);
            foreach (var (_, arguments) in commandLines)
            {
                agents.Add(StartLepton(arguments));
            }

            Console.WriteLine();
            Console.WriteLine($"Lepton is up, highly available: PostgreSQL {postgres.Url} (throwaway)");
            Console.WriteLine($"  server 1 (pid {servers[0].Id}): {urls[0]}/   server 2 (pid {servers[1].Id}): {urls[1]}/");
            Console.WriteLine($"  who leads: curl {urls[0]}/healthz ; curl {urls[1]}/healthz   (role leader|follower)");
            Console.WriteLine($"  watch a failover: kill -9 <pid of the leader>; the other server takes over within seconds ('lepton node list' keeps working)");
            Console.WriteLine($"Admin token: {adminTokenPath}   Team token: {tenantTokenPath}");
            Console.WriteLine($"{commandLines.Count} agent(s): {string.Join(", ", commandLines.Select(a => a.Name))}. Press Ctrl-C to stop.");
            await Task.Delay(Timeout.Infinite, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
            Console.WriteLine("Stopping agents, servers and PostgreSQL…");
            return 0;
        }
        finally
        {
            await StopAsync(agents, TimeSpan.FromSeconds(20));
            await StopAsync(servers, TimeSpan.FromSeconds(10));
            foreach (var process in agents.Concat(servers))
            {
                process.Dispose();
            }
        }
    }

    private static async Task<bool> AnswersAsync(HttpClient probe, string url)
    {
        try
        {
            using var response = await probe.GetAsync(url);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    private static TimeSpan? Seconds(string option, double? value) => value switch
    {
        null => null,
        > 0 and <= 86_400 => TimeSpan.FromSeconds(value.Value),
        _ => throw new CliError($"{option} must be between 0 and 86400", 2),
    };

    /// <summary>The command lines of the agents: one for this machine, or <paramref name="count"/> with declared shapes.</summary>
    /// <remarks>The token travels as a file name, never as a value (command lines are public on a machine), and the whole
    /// data dir (admin, agent and team tokens, the store, the logs) is hidden from the agents' tasks.</remarks>
    internal static List<(string Name, List<string> Arguments)> AgentArguments(string directory, string url, string tokenFile, int? count, string[] shapes, double? heartbeatSeconds)
    {
        var result = new List<(string, List<string>)>();
        var machine = new string([.. Environment.MachineName.ToLowerInvariant().Where(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_')]);
        var names = count is null
            ? [machine.Length > 0 ? machine : "local"]
            : Enumerable.Range(1, count.Value).Select(i => $"{machine}-{i}").ToArray();
        for (var i = 0; i < names.Length; i++)
        {
            var arguments = new List<string>
            {
                "agent", "--server", url, "--token-file", tokenFile, "--name", names[i],
                "--work-dir", Path.Combine(directory, "agents", names[i]), "--address", "127.0.0.1", "--hide", directory,
            };
            var shape = shapes.Length > 0 ? shapes[i % shapes.Length] : count is null ? null : DefaultShapes[i % DefaultShapes.Length];
            if (shape is not null)
            {
                arguments.AddRange(["--declare", shape]);
            }

            if (count is not null && shapes.Length == 0)
            {
                // Declared GPUs on a machine that may have real ones: do not mix in nvidia-smi's view.
                arguments.Add("--no-gpu-detection");
                arguments.AddRange(DefaultEconomics[i % DefaultEconomics.Length]);
            }

            if (heartbeatSeconds is { } s)
            {
                arguments.AddRange(["--heartbeat-seconds", s.ToString(CultureInfo.InvariantCulture)]);
            }

            result.Add((names[i], arguments));
        }

        return result;
    }

    /// <summary>Starts this same program with <paramref name="arguments"/>, sharing the console.</summary>
    internal static Process StartLepton(IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo { UseShellExecute = false };
        var path = Environment.ProcessPath ?? throw new CliError("cannot tell where the lepton program is");
        if (Path.GetFileNameWithoutExtension(path) == "dotnet")
        {
            // Started as `dotnet lepton.dll`: start the children the same way.
            info.FileName = path;
            info.ArgumentList.Add(typeof(UpCommand).Assembly.Location);
        }
        else
        {
            info.FileName = path;
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return Process.Start(info) ?? throw new CliError($"could not start {path}");
    }

    /// <summary>The tenant <c>lepton up</c> creates so that jobs can be submitted at once (jobs always belong to a tenant).</summary>
    internal const string DefaultTenant = "default";

    /// <summary>Ensures tenant <see cref="DefaultTenant"/> exists and <c>DIR/tenant-token</c> holds a valid token for it; returns the file's path.</summary>
    private static async Task<string> DefaultTenantTokenAsync(HttpClient http, string directory, string adminToken, CancellationToken cancellationToken)
    {
        var path = Path.Combine(directory, LocalTokenFiles.Tenant);
        if (File.Exists(path))
        {
            using var check = new HttpRequestMessage(HttpMethod.Get, "api/v1/jobs");
            check.Headers.Authorization = new AuthenticationHeaderValue("Bearer", (await File.ReadAllTextAsync(path, cancellationToken)).Trim());
            using var answer = await http.SendAsync(check, cancellationToken);
            if (answer.IsSuccessStatusCode)
            {
                return path;
            }
        }

        using (var tenant = new HttpRequestMessage(HttpMethod.Post, "api/v1/tenants")
        {
            Content = JsonContent.Create(new TenantCreate { Name = DefaultTenant }, LeptonJsonContext.Default.TenantCreate),
        })
        {
            tenant.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
            using var created = await http.SendAsync(tenant, cancellationToken);
            // 409: the tenant is there from an earlier start; only its token file was lost.
            if (!created.IsSuccessStatusCode && created.StatusCode != System.Net.HttpStatusCode.Conflict)
            {
                throw new CliError($"could not create tenant '{DefaultTenant}': {(int)created.StatusCode} {await created.Content.ReadAsStringAsync(cancellationToken)}");
            }
        }

        var token = await CreateTokenAsync(http, adminToken, new TokenCreate { Kind = "tenant", Tenant = DefaultTenant, Description = "team token made by lepton up" }, cancellationToken);
        await SaveTokenAsync(path, token);
        return path;
    }

    private static async Task<string> CreateTokenAsync(HttpClient http, string adminToken, TokenCreate create, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/tokens")
        {
            Content = JsonContent.Create(create, LeptonJsonContext.Default.TokenCreate),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
        using var response = await http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new CliError($"could not create a{(create.Kind == "agent" ? "n" : "")} {create.Kind} token: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }

        return (await response.Content.ReadFromJsonAsync(LeptonJsonContext.Default.TokenView, cancellationToken))?.Token
            ?? throw new CliError($"the server created a {create.Kind} token but did not return it");
    }

    /// <summary>Writes a token file readable only by its owner.</summary>
    private static async Task SaveTokenAsync(string path, string token)
    {
        await File.WriteAllTextAsync(path, token + "\n", CancellationToken.None);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    /// <summary>Ensures <c>DIR/agent-token</c> holds a valid agent token (mode 0600); returns the file's path.</summary>
    private static async Task<string> AgentTokenAsync(HttpClient http, string directory, string adminToken, CancellationToken cancellationToken)
    {
        var path = Path.Combine(directory, LocalTokenFiles.Agent);
        if (File.Exists(path))
        {
            var saved = (await File.ReadAllTextAsync(path, cancellationToken)).Trim();
            using var check = new HttpRequestMessage(HttpMethod.Post, "api/v1/agent/nodes/lepton-up-token-check/heartbeat")
            {
                Content = JsonContent.Create(new Heartbeat(), LeptonJsonContext.Default.Heartbeat),
            };
            check.Headers.Authorization = new AuthenticationHeaderValue("Bearer", saved);
            using var answer = await http.SendAsync(check, cancellationToken);
            if (answer.StatusCode is not (System.Net.HttpStatusCode.Unauthorized or System.Net.HttpStatusCode.Forbidden))
            {
                // Older versions wrote it without restricting its mode; the agent refuses a token file others can read.
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }

                return path;
            }
        }

        var token = await CreateTokenAsync(http, adminToken, new TokenCreate { Kind = "agent", Description = "agents started by lepton up" }, cancellationToken);
        await SaveTokenAsync(path, token);
        return path;
    }

    private static async Task StopAsync(List<Process> processes, TimeSpan grace)
    {
        foreach (var process in processes)
        {
            if (!process.HasExited && !OperatingSystem.IsWindows())
            {
                _ = Kill(process.Id, SigTerm);
            }
        }

        foreach (var process in processes)
        {
            using var timeout = new CancellationTokenSource(grace);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
            }
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
