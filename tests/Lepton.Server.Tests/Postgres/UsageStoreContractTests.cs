using Lepton.Server.Energy;
using Lepton.Server.Persistence;

namespace Lepton.Server.Tests.Postgres;

/// <summary>What every <see cref="IUsageStore"/> must do, run unchanged against the SQLite file and a real PostgreSQL
/// database (each opened beside its job store, whose migrations create the tables).</summary>
public abstract class UsageStoreContractTests : IDisposable
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeMilliseconds(1_780_000_000_000);

    /// <summary>Opens a fresh job store and the usage store beside it.</summary>
    private protected abstract (IJobStore Jobs, IUsageStore Usage) OpenFresh();

    /// <inheritdoc/>
    public virtual void Dispose() => GC.SuppressFinalize(this);

    private static UsageRow Row(long bucket, string node, long job, double energy, double cost) =>
        new(bucket, node, job, "team-a", "train", "A100", 60, 120, 30, energy, energy / 2, cost);

    [Fact]
    public void Add_SameKeyTwice_SumsIntoOneRowAndQueryKeepsTheRange()
    {
        var (jobs, usage) = OpenFresh();
        using (jobs)
        using (usage)
        {
            usage.Add([Row(60, "n1", 1, 100, 1.5), Row(120, "n1", 1, 50, 0.5)]);
            usage.Add([Row(60, "n1", 1, 10, 0.25), Row(180, "n2", 2, 7, 0.1)]);
            usage.Add([Row(120, "n1", 1, 1, 0), Row(120, "n1", 1, 2, 0)]);

            var rows = usage.Query(60, 180);

            Assert.Equal([(60L, "n1", 1L), (120L, "n1", 1L)], rows.Select(r => (r.Bucket, r.Node, r.JobId)));
            var first = rows[0];
            Assert.Equal((110.0, 55.0, 1.75, 120.0, 240.0, 60.0), (first.EnergyJoules, first.MeasuredEnergyJoules, first.Cost, first.Seconds, first.GpuSeconds, first.CpuSeconds));
            Assert.Equal(("team-a", "train", "A100"), (first.Tenant, first.JobName, first.GpuModel));
            Assert.Equal(53.0, rows[1].EnergyJoules);
        }
    }

    [Fact]
    public void SavePowerState_OffThenOn_LoadsOnlyNodesNotOn()
    {
        var (jobs, usage) = OpenFresh();
        using (jobs)
        using (usage)
        {
            usage.SavePowerState("n1", "PoweredOff", T0);
            usage.SavePowerState("n2", "PoweredOff", T0);
            usage.SavePowerState("n2", "Waking", T0.AddSeconds(5));
            usage.SavePowerState("n1", "On", T0.AddSeconds(9));

            var (node, state, since) = Assert.Single(usage.LoadPowerStates());

            Assert.Equal(("n2", "Waking", T0.AddSeconds(5)), (node, state, since));
        }
    }
}

/// <summary>The usage store contract on the embedded SQLite file.</summary>
public sealed class SqliteUsageStoreContractTests : UsageStoreContractTests
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "lepton-usage-" + Guid.NewGuid().ToString("N"));

    private protected override (IJobStore Jobs, IUsageStore Usage) OpenFresh()
    {
        Directory.CreateDirectory(_dir);
        var path = Path.Combine(_dir, "lepton.db");
        return (new SqliteJobStore(path), new SqliteUsageStore(path));
    }

    /// <inheritdoc/>
    public override void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
        base.Dispose();
    }
}

/// <summary>The usage store contract on a real PostgreSQL database (a fresh one per test).</summary>
public sealed class PostgresUsageStoreContractTests(PostgresServer postgres) : UsageStoreContractTests
{
    private protected override (IJobStore Jobs, IUsageStore Usage) OpenFresh()
    {
        // The job store migrates the database (usage tables included) when it opens.
        var store = new PostgresJobStore(PostgresLocation.Parse(postgres.CreateDatabaseAsync().GetAwaiter().GetResult()));
        return (store, new PostgresUsageStore(store));
    }
}
