using Lepton.Server.Model;
using Lepton.Server.Persistence;
using Npgsql;

namespace Lepton.Server.Tests.Postgres;

/// <summary>What only the PostgreSQL store does: the URL it is named by, and the leader's fence on every write.</summary>
public sealed class PostgresJobStoreTests(PostgresServer postgres)
{
    [Theory]
    [InlineData("postgres://lepton@db.example:6543/cluster", "postgres://lepton@db.example:6543/cluster")]
    [InlineData("postgresql://lepton:s3cret@db.example/cluster", "postgres://lepton@db.example:5432/cluster")]
    [InlineData("postgres://lepton@/cluster?host=/run/postgresql", "postgres://lepton@/run/postgresql:5432/cluster")]
    public void Parse_ValidUrl_DisplaysItWithoutPassword(string url, string display) =>
        Assert.Equal(display, PostgresLocation.Parse(url).Display);

    [Theory]
    [InlineData("mysql://u@h/db", "not a PostgreSQL URL")]
    [InlineData("postgres://h:5432/db", "no user")]
    [InlineData("postgres://u@h:5432/", "no database name")]
    [InlineData("postgres://u:pw@h/db?colour=blue", "unknown parameter 'colour'")]
    [InlineData("postgres://u@h/db?sslmode=sometimes", "bad value 'sometimes' for 'sslmode'")]
    public void Parse_BadUrl_SaysWhatIsWrong(string url, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => PostgresLocation.Parse(url));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("pw@", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Commit_EpochNoLongerLeads_IsRefusedAndWritesNothing()
    {
        var url = await postgres.CreateDatabaseAsync();
        using var store = new PostgresJobStore(PostgresLocation.Parse(url)) { RequireLeadership = true };
        Assert.Throws<StoreWriteException>(() => store.Begin());

        await SetEpochAsync(store, 1);
        store.FencingEpoch = 1;
        using (var tx = store.Begin())
        {
            tx.UpsertTenant(new Tenant { Name = "by-epoch-1", CreatedAt = DateTimeOffset.UnixEpoch });
            tx.Commit();
        }

        // Another server took over (bumped the epoch): the old leader's next commit is fenced off.
        await SetEpochAsync(store, 2);
        var refused = Assert.Throws<StoreWriteException>(() =>
        {
            using var tx = store.Begin();
            tx.UpsertTenant(new Tenant { Name = "by-stale-epoch", CreatedAt = DateTimeOffset.UnixEpoch });
            tx.Commit();
        });
        Assert.Contains("fenced", refused.Message, StringComparison.Ordinal);
        Assert.Equal(["by-epoch-1"], store.Load().Tenants.Select(t => t.Name));
    }

    [Fact]
    public async Task Open_UnreachableServer_FailsWithTheAddress()
    {
        postgres.Require();
        var port = CrashTests.FreePort();
        var e = Assert.ThrowsAny<NpgsqlException>(() => new PostgresJobStore(PostgresLocation.Parse($"postgres://lepton@127.0.0.1:{port}/none")));
        Assert.Contains(port.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message, StringComparison.Ordinal);
        await Task.CompletedTask;
    }

    [Theory]
    [InlineData("mysql://lepton@127.0.0.1/db", "error: store 'mysql://lepton@127.0.0.1/db': use 'sqlite' (the default) or postgres://")]
    [InlineData("postgres://lepton:secret@127.0.0.1:PORT/db", "error: cannot use the store postgres://lepton@127.0.0.1:PORT/db: ")]
    public async Task Serve_BadOrUnreachableStore_OneLineErrorWithoutPassword(string store, string expected)
    {
        var port = CrashTests.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var dir = Path.Combine(Path.GetTempPath(), "lepton-store-cli-" + Guid.NewGuid().ToString("N"));
        var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        try
        {
            using var serve = CrashTests.StartLepton(["serve", "--data-dir", dir, "--urls", $"http://127.0.0.1:{CrashTests.FreePort()}", "--store", store.Replace("PORT", port, StringComparison.Ordinal)],
                output: lines.Enqueue);
            await serve.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
            Assert.Equal(1, serve.ExitCode);
            var text = string.Join('\n', lines);
            Assert.StartsWith(expected.Replace("PORT", port, StringComparison.Ordinal), text, StringComparison.Ordinal);
            Assert.DoesNotContain("secret", text, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    private static async Task SetEpochAsync(PostgresJobStore store, long epoch)
    {
        await using var connection = store.OpenConnection();
        await using var update = new NpgsqlCommand("UPDATE lepton_leader SET epoch = $1", connection);
        update.Parameters.Add(new NpgsqlParameter { Value = epoch });
        await update.ExecuteNonQueryAsync();
    }
}
