using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Lepton.Cli.Commands;

/// <summary>A throwaway PostgreSQL server for <c>lepton up --ha</c> (and the PostgreSQL tests): initdb into a temporary directory, loopback only, a free
/// port; stopped and deleted by <see cref="DisposeAsync"/>.</summary>
/// <remarks>PostgreSQL refuses to run as root: then it runs as the <c>postgres</c> user (Debian's package creates it).</remarks>
internal sealed class LocalPostgres : IAsyncDisposable
{
    private readonly string _dir;
    private readonly string _bin;
    private readonly bool _asPostgres;

    private LocalPostgres(string dir, string bin, bool asPostgres, int port)
    {
        _dir = dir;
        _bin = bin;
        _asPostgres = asPostgres;
        Endpoint = $"127.0.0.1:{port}";
        Url = $"postgres://postgres@{Endpoint}/postgres";
    }

    /// <summary>The server's host and port, e.g. <c>127.0.0.1:54321</c>.</summary>
    public string Endpoint { get; }

    /// <summary>The server's URL (user postgres, trust authentication on loopback).</summary>
    public string Url { get; }

    /// <summary>The folder holding initdb and pg_ctl: PATH, then /usr/local/bin and /usr/lib/postgresql/VERSION/bin (newest).</summary>
    public static string? FindBinaries()
    {
        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).ToList();
        candidates.Add("/usr/local/bin");
        candidates.Add("/usr/local/pgsql/bin");
        if (Directory.Exists("/usr/lib/postgresql"))
        {
            candidates.AddRange(Directory.GetDirectories("/usr/lib/postgresql")
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0)
                .Select(d => Path.Combine(d, "bin")));
        }

        return candidates.FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")));
    }

    /// <summary>Finds the binaries, creates and starts the server (<c>lepton up --ha</c>); a <see cref="CliError"/> when the
    /// binaries are missing or it does not start.</summary>
    public static async Task<LocalPostgres> StartAsync()
    {
        var bin = FindBinaries() ?? throw new CliError(
            "--ha needs PostgreSQL's initdb and pg_ctl (on PATH, in /usr/local/bin or /usr/lib/postgresql/*/bin): install it, e.g. 'apt-get install postgresql'");
        try
        {
            return await StartAsync(bin);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or System.ComponentModel.Win32Exception or UnauthorizedAccessException)
        {
            throw new CliError($"could not start a local PostgreSQL from {bin}: {e.Message}");
        }
    }

    /// <summary>Creates and starts a server from the binaries in <paramref name="bin"/> (also the tests' throwaway database).</summary>
    /// <remarks><c>max_connections</c> is raised to 200: several servers and their connection pools share it (<c>--ha</c>, the
    /// failover tests).</remarks>
    /// <exception cref="InvalidOperationException">initdb or pg_ctl failed (the message has their output).</exception>
    public static async Task<LocalPostgres> StartAsync(string bin)
    {
        var asPostgres = Environment.UserName == "root";
        var dir = Path.Combine(Path.GetTempPath(), "lepton-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        var port = FreePort();
        var server = new LocalPostgres(dir, bin, asPostgres, port);
        try
        {
            if (asPostgres)
            {
                // The postgres user must own its data directory; the temp dir itself is world-traversable.
                await RunAsync("chown", false, "postgres:", dir);
            }

            await RunAsync(Path.Combine(bin, "initdb"), asPostgres, "-D", Path.Combine(dir, "data"), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                "--no-sync", "--no-instructions");
            await RunAsync(Path.Combine(bin, "pg_ctl"), asPostgres, "start", "-w", "-t", "60", "-D", Path.Combine(dir, "data"), "-l",
                Path.Combine(dir, "log"), "-o", $"-p {port} -k {dir} -c listen_addresses=127.0.0.1 -c max_connections=200");
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (Directory.Exists(Path.Combine(_dir, "data", "global")))
            {
                await RunAsync(Path.Combine(_bin, "pg_ctl"), _asPostgres, "stop", "-m", "immediate", "-w", "-D", Path.Combine(_dir, "data"));
            }
        }
        catch (InvalidOperationException)
        {
            // Not running.
        }

        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // Left in the temp folder.
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task RunAsync(string program, bool asPostgres, params string[] args)
    {
        var start = new ProcessStartInfo(asPostgres ? "runuser" : program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        if (asPostgres)
        {
            foreach (var a in new[] { "-u", "postgres", "--", program })
            {
                start.ArgumentList.Add(a);
            }
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {program}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(program)} exited {process.ExitCode}: {(await error).Trim()} {(await output).Trim()}");
        }
    }
}
