using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Lepton.Client;
using Lepton.Client.Contracts;

namespace Lepton.EndToEnd.Tests.Cli;

/// <summary>A real local cluster for the CLI and dashboard tests: <c>lepton up --agents 2</c> as a child process on a free loopback port, with a temporary data dir.</summary>
/// <remarks>
/// The agents use <c>lepton up</c>'s default shapes for declared clusters (4×A100, 2×V100M32), with a 1 s heartbeat so
/// state changes show quickly. Disposal sends SIGTERM so <c>lepton up</c> stops its agents and their tasks, then the
/// server, exactly as Ctrl-C does; whatever is still alive after a grace period is killed with its process tree.
/// </remarks>
public sealed class LocalClusterFixture : IAsyncLifetime
{
    private const int SigTerm = 15;
    private readonly StringBuilder _log = new();
    private Process? _up;

    /// <summary>Temporary root: data dir, config dir, CLI home.</summary>
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "lepton-e2e-" + Guid.NewGuid().ToString("N")[..10]);

    /// <summary>The server's data directory.</summary>
    public string DataDir => Path.Combine(Root, "data");

    /// <summary>The server base address, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public Uri Server { get; private set; } = null!;

    /// <summary>The admin token the server wrote on first start.</summary>
    public string AdminToken { get; private set; } = "";

    /// <summary>Token of the tenant <c>e2e</c> the fixture creates (jobs are submitted with tenant tokens).</summary>
    public string TenantToken { get; private set; } = "";

    /// <summary>Names of the two agents' nodes.</summary>
    public IReadOnlyList<string> NodeNames { get; private set; } = [];

    /// <summary>Everything <c>lepton up</c> and its children printed so far (for failure messages).</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>A client with the admin token.</summary>
    public LeptonClient AdminClient() => new(Server, AdminToken);

    /// <summary>A CLI runner for this cluster with <paramref name="token"/> (default: tenant <c>e2e</c>) in LEPTON_TOKEN and an empty, private config path.</summary>
    public CliRunner Cli(string? token = null) => new(Root, new Dictionary<string, string?>
    {
        ["LEPTON_SERVER"] = Server.AbsoluteUri,
        ["LEPTON_TOKEN"] = token ?? TenantToken,
        ["LEPTON_CONFIG"] = Path.Combine(Root, "no-config.json"),
        ["HOME"] = Root,
    });

    /// <summary>A CLI runner with the admin token.</summary>
    public CliRunner AdminCli() => Cli(AdminToken);

    /// <summary>Waits until job <paramref name="id"/> is in one of <paramref name="states"/>; fails with the job and the cluster log after a minute.</summary>
    public async Task<JobView> WaitForJobAsync(long id, params JobState[] states)
    {
        using var client = AdminClient();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var job = await client.GetJobAsync(id);
            if (states.Contains(job.State))
            {
                return job;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"job {id} is {job.State} ({job.Reason?.Message}), not {string.Join(" or ", states)}, after 60 s\n{Log}");
            }

            await Task.Delay(200);
        }
    }

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(DataDir);
        var port = FreePort();
        Server = new Uri($"http://127.0.0.1:{port}");
        _up = LeptonProcess.Start(
            ["up", "--data-dir", DataDir, "--urls", Server.AbsoluteUri.TrimEnd('/'), "--agents", "2", "--heartbeat-seconds", "1"],
            Root, environment: null, line => { lock (_log) { _log.AppendLine(line); } });

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var tokenPath = Path.Combine(DataDir, "admin-token");
        while (!File.Exists(tokenPath) || (await File.ReadAllTextAsync(tokenPath, timeout.Token)).Trim().Length == 0)
        {
            ThrowIfExited();
            await Task.Delay(100, timeout.Token);
        }

        AdminToken = (await File.ReadAllTextAsync(tokenPath, timeout.Token)).Trim();
        using var client = AdminClient();
        while (true)
        {
            ThrowIfExited();
            try
            {
                var nodes = await client.ListNodesAsync(timeout.Token);
                if (nodes.Count(n => n.State == "Ready") >= 2)
                {
                    NodeNames = [.. nodes.Select(n => n.Name).Order(StringComparer.Ordinal)];
                    await client.CreateTenantAsync(new TenantCreate { Name = "e2e" }, timeout.Token);
                    TenantToken = (await client.CreateTokenAsync(new TokenCreate { Kind = "tenant", Tenant = "e2e" }, timeout.Token)).Token!;
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(200, timeout.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_up is { HasExited: false })
        {
            if (!OperatingSystem.IsWindows())
            {
                _ = Kill(_up.Id, SigTerm);
            }

            // Poll rather than WaitForExitAsync: that also waits for the redirected output to close, which never
            // happens while a child that inherited the pipe is still alive.
            for (var waited = 0; waited < 300 && !_up.HasExited; waited++)
            {
                await Task.Delay(100);
            }

            if (!_up.HasExited)
            {
                _up.Kill(entireProcessTree: true);
            }
        }

        _up?.Dispose();
        KillLeftovers();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A task directory still being released; the temp dir is cleaned by the OS eventually.
        }
    }

    /// <summary>Kills any server or agent process still running on this fixture's data dir (one whose command line names it).</summary>
    /// <remarks><c>lepton up</c> is meant to stop its children itself; this is the safety net so a test run never leaves
    /// processes behind, whatever happened to it.</remarks>
    private void KillLeftovers()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                var commandLine = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (commandLine.Contains(DataDir, StringComparison.Ordinal))
                {
                    using var process = Process.GetProcessById(pid);
                    process.Kill(entireProcessTree: true);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
            {
                // Gone already, or not ours to read.
            }
        }
    }

    private void ThrowIfExited()
    {
        if (_up is { HasExited: true })
        {
            throw new InvalidOperationException($"lepton up exited with code {_up.ExitCode}:\n{Log}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}

/// <summary>The xUnit collection that shares one <see cref="LocalClusterFixture"/>: its tests run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class LocalClusterCollection : ICollectionFixture<LocalClusterFixture>
{
    /// <summary>Collection name.</summary>
    public const string Name = "local cluster (lepton up)";
}
