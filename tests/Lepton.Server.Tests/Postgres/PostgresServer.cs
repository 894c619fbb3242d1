using System.Diagnostics;
using Npgsql;

[assembly: AssemblyFixture(typeof(Lepton.Server.Tests.Postgres.PostgresServer))]

namespace Lepton.Server.Tests.Postgres;

/// <summary>A real PostgreSQL for the tests of this assembly: the one <c>LEPTON_TEST_POSTGRES</c> names (a URL of a user who
/// may create databases), else a throwaway server started from the PostgreSQL binaries found on this machine.</summary>
/// <remarks>
/// <para>The throwaway server lives in a temporary directory (initdb, trust authentication, loopback only, a free port,
/// its socket in that directory) and is stopped and deleted when the tests end. PostgreSQL refuses to run as root, so
/// when the tests run as root (CI does) it is run as the <c>postgres</c> user that Debian's package creates.</para>
/// <para>Each test gets its own database (<see cref="CreateDatabaseAsync"/>). Without PostgreSQL a test calls
/// <see cref="Require"/>: skipped with the reason, or failed when <c>CI=true</c> (CI must not skip these).</para>
/// </remarks>
public sealed class PostgresServer : IAsyncLifetime
{
    private string? _dir;
    private string? _pgCtl;
    private string? _adminUrl;

    /// <summary>Why there is no server (null when there is one).</summary>
    public string? Unavailable { get; private set; }

    /// <summary>The server's host and port, e.g. <c>127.0.0.1:54321</c>.</summary>
    public string? Endpoint { get; private set; }

    /// <summary>Skips (or, in CI, fails) the calling test when there is no PostgreSQL.</summary>
    public void Require()
    {
        if (Unavailable is null)
        {
            return;
        }

        var why = $"no PostgreSQL for this test: {Unavailable}. Set LEPTON_TEST_POSTGRES=postgres://USER@HOST:PORT/DB or install PostgreSQL (apt-get install postgresql)";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(why);
        }

        Assert.Skip(why);
    }

    /// <summary>Creates an empty database and returns its URL (<c>postgres://USER@HOST:PORT/DB</c>).</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        Require();
        var name = "lepton_test_" + Guid.NewGuid().ToString("N")[..12];
        await using var connection = new NpgsqlConnection(Lepton.Server.Persistence.PostgresLocation.Parse(_adminUrl!).ConnectionString);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await create.ExecuteNonQueryAsync();
        var cut = _adminUrl!.LastIndexOf('/');
        var query = _adminUrl.IndexOf('?', cut);
        return _adminUrl[..(cut + 1)] + name + (query >= 0 ? _adminUrl[query..] : "");
    }

    /// <inheritdoc/>
    public async ValueTask InitializeAsync()
    {
        var given = Environment.GetEnvironmentVariable("LEPTON_TEST_POSTGRES");
        if (!string.IsNullOrWhiteSpace(given))
        {
            _adminUrl = given.Trim();
            Endpoint = new Uri(_adminUrl).Authority;
            return;
        }

        var bin = FindBinaries();
        if (bin is null)
        {
            Unavailable = "LEPTON_TEST_POSTGRES is not set and no PostgreSQL binaries (initdb, pg_ctl) were found on PATH, in /usr/local/bin or /usr/lib/postgresql/*/bin";
            return;
        }

        try
        {
            await StartAsync(bin);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or System.ComponentModel.Win32Exception or UnauthorizedAccessException)
        {
            Unavailable = $"starting a throwaway PostgreSQL from {bin} failed: {e.Message}";
            await DisposeAsync();
        }
    }

    private async Task StartAsync(string bin)
    {
        var asRoot = Environment.UserName == "root";
        _dir = Path.Combine(Path.GetTempPath(), "lepton-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(_dir);
        if (asRoot)
        {
            // The postgres user must own its data directory; the temp dir itself is world-traversable.
            await RunAsync("chown", false, "postgres:", _dir);
        }

        var data = Path.Combine(_dir, "data");
        await RunAsync(Path.Combine(bin, "initdb"), asRoot, "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync", "--no-instructions");
        var port = CrashTests.FreePort();
        _pgCtl = Path.Combine(bin, "pg_ctl");
        // max_connections: several servers and their pools share it in the failover tests.
        await RunAsync(_pgCtl, asRoot, "start", "-w", "-t", "60", "-D", data, "-l", Path.Combine(_dir, "log"), "-o",
            $"-p {port} -k {_dir} -c listen_addresses=127.0.0.1 -c max_connections=200");
        Endpoint = $"127.0.0.1:{port}";
        _adminUrl = $"postgres://postgres@{Endpoint}/postgres";
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_dir is null)
        {
            return;
        }

        if (_pgCtl is not null)
        {
            try
            {
                await RunAsync(_pgCtl, Environment.UserName == "root", "stop", "-m", "immediate", "-w", "-D", Path.Combine(_dir, "data"));
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
        }

        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: it is in the temp directory.
        }

        _dir = null;
    }

    /// <summary>The directory holding initdb and pg_ctl: PATH first, then the usual install locations (newest version).</summary>
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
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(program)} {string.Join(' ', args)} exited {process.ExitCode}: {(await error).Trim()} {(await output).Trim()}");
        }
    }
}
