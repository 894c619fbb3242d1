using Lepton.Cli.Commands;
using Npgsql;

[assembly: AssemblyFixture(typeof(Lepton.Server.Tests.Postgres.PostgresServer))]

namespace Lepton.Server.Tests.Postgres;

/// <summary>A real PostgreSQL for the tests of this assembly: the one <c>LEPTON_TEST_POSTGRES</c> names (a URL of a user who
/// may create databases), else a throwaway server started from the PostgreSQL binaries found on this machine.</summary>
/// <remarks>
/// <para>The throwaway server (<see cref="LocalPostgres"/>, as <c>lepton up --ha</c> starts it) lives in a temporary directory (initdb, trust authentication, loopback only, a free port,
/// its socket in that directory) and is stopped and deleted when the tests end. PostgreSQL refuses to run as root, so
/// when the tests run as root (CI does) it is run as the <c>postgres</c> user that Debian's package creates.</para>
/// <para>Each test gets its own database (<see cref="CreateDatabaseAsync"/>). Without PostgreSQL a test calls
/// <see cref="Require"/>: skipped with the reason, or failed when <c>CI=true</c> (CI must not skip these).</para>
/// </remarks>
public sealed class PostgresServer : IAsyncLifetime
{
    private LocalPostgres? _local;
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

        var bin = LocalPostgres.FindBinaries();
        if (bin is null)
        {
            Unavailable = "LEPTON_TEST_POSTGRES is not set and no PostgreSQL binaries (initdb, pg_ctl) were found on PATH, in /usr/local/bin or /usr/lib/postgresql/*/bin";
            return;
        }

        try
        {
            _local = await LocalPostgres.StartAsync(bin);
            Endpoint = _local.Endpoint;
            _adminUrl = _local.Url;
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or System.ComponentModel.Win32Exception or UnauthorizedAccessException)
        {
            Unavailable = $"starting a throwaway PostgreSQL from {bin} failed: {e.Message}";
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_local is not null)
        {
            await _local.DisposeAsync();
            _local = null;
        }
    }
}
