using Lepton.Client.Contracts;
using Lepton.Core.Cluster;
using Lepton.Server.Model;
using Lepton.Server.Persistence;

namespace Lepton.Server.Tests.Postgres;

/// <summary>What every <see cref="IJobStore"/> must do, run unchanged against each store (SQLite, PostgreSQL).</summary>
public abstract class JobStoreContractTests : IAsyncLifetime
{
    private string? _location;

    /// <summary>Where a fresh, empty store lives (a file path, a database URL); made on first use, inside the test, so that
    /// a test without PostgreSQL is skipped (or failed in CI) with the reason.</summary>
    private protected string Location => _location ??= CreateLocationAsync().GetAwaiter().GetResult();

    /// <summary>Makes a new, empty location.</summary>
    private protected abstract Task<string> CreateLocationAsync();

    /// <summary>Opens the store at <paramref name="location"/> (again: a second instance sees what the first committed).</summary>
    private protected abstract IJobStore Open(string location);

    /// <inheritdoc/>
    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    /// <inheritdoc/>
    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeMilliseconds(1_780_000_000_000);

    [Fact]
    public void Load_NewStore_IsEmpty()
    {
        using var store = Open(Location);
        var contents = store.Load();
        Assert.Empty(contents.Tenants);
        Assert.Empty(contents.Tokens);
        Assert.Empty(contents.Nodes);
        Assert.Empty(contents.Jobs);
        Assert.Empty(contents.IdempotencyKeys);
    }

    [Fact]
    public void Commit_EveryKindOfRow_ReadsBackTheSameInAnotherInstance()
    {
        using (var store = Open(Location))
        {
            using var tx = store.Begin();
            WriteAll(tx);
            tx.Commit();
        }

        using var reopened = Open(Location);
        var contents = reopened.Load();
        var tenant = Assert.Single(contents.Tenants);
        Assert.Equal(("team-a", 2.5, 4000L, T0), (tenant.Name, tenant.FairShareWeight, tenant.Quota!.CpuMilli, tenant.CreatedAt));
        Assert.Equal((8000L, 16000L), (tenant.Guarantee!.GpuMilli, tenant.BorrowingLimit!.GpuMilli));
        var token = Assert.Single(contents.Tokens);
        Assert.Equal((7L, "HASH", TokenKind.Node, "team-a", "n1", "desc", T0), (token.Id, token.Hash, token.Kind, token.Tenant, token.Node, token.Description, token.CreatedAt));
        Assert.Null(token.RevokedAt);
        var key = Assert.Single(contents.IdempotencyKeys);
        Assert.Equal(new IdempotencyRecord("team-a", "k1", "h1", 1, T0), key);
        var node = Assert.Single(contents.Nodes);
        Assert.Equal(("n1", NodeState.Draining, 16000L, "A100", "east"), (node.Name, node.State, node.Registration.CpuMilli, node.Registration.Gpus[0].Model, node.Registration.Labels["zone"]));
        var job = Assert.Single(contents.Jobs);
        Assert.Equal((1L, "team-a", "train", 7, true, 2, JobState.Running, 1, (int?)null), (job.Id, job.Tenant, job.Name, job.Priority, job.Preemptible, job.Replicas, job.State, job.Retries, job.ExitCode));
        Assert.Equal(250.5, job.Value);
        Assert.Equal(["python", "train.py"], job.Command);
        Assert.Equal("imagenet", job.Env["DATASET"]);
        Assert.Equal(500, job.Resources.GpuMilli);
        Assert.Equal(2, job.Tasks.Count);
        Assert.Equal((TaskState.Running, "n1", 3), (job.Tasks[0].State, job.Tasks[0].Node, job.Tasks[0].Attempt));
        Assert.Equal([0, 1], job.Tasks[0].Gpus);
        Assert.Equal((TaskState.Pending, (string?)null, (int?)null), (job.Tasks[1].State, job.Tasks[1].Node, job.Tasks[1].ExitCode));
        Assert.Empty(job.Tasks[1].Gpus);
        Assert.Equal(["submitted", "scheduled"], job.Events.Select(e => e.Type));
        Assert.Equal(T0.AddSeconds(1), job.Events[1].Time);
    }

    [Fact]
    public void Upsert_SameRowAgain_KeepsTheLatestAndDeleteRemoves()
    {
        using var store = Open(Location);
        using (var tx = store.Begin())
        {
            WriteAll(tx);
            tx.Commit();
        }

        var contents = store.Load();
        var job = contents.Jobs[0];
        job.State = JobState.Failed;
        job.ExitCode = 3;
        job.Reason = new PendingReasonView { Message = "why" };
        var task = job.Tasks[0];
        task.State = TaskState.Failed;
        task.ExitCode = 137;
        var token = contents.Tokens[0];
        token.RevokedAt = T0.AddMinutes(1);
        token.PersistedLastUsedAt = T0.AddMinutes(2);
        var tenant = contents.Tenants[0];
        tenant.Quota = null;
        using (var tx = store.Begin())
        {
            tx.UpsertJob(job);
            tx.UpsertTask(task);
            tx.UpdateToken(token);
            tx.UpsertTenant(tenant);
            tx.DeleteNode("n1");
            tx.Commit();
        }

        var after = store.Load();
        Assert.Equal((JobState.Failed, 3, "why"), (after.Jobs[0].State, after.Jobs[0].ExitCode, after.Jobs[0].Reason!.Message));
        Assert.Equal((TaskState.Failed, 137), (after.Jobs[0].Tasks[0].State, after.Jobs[0].Tasks[0].ExitCode));
        Assert.Equal((T0.AddMinutes(1), T0.AddMinutes(2)), (after.Tokens[0].RevokedAt, after.Tokens[0].LastUsedAt));
        Assert.Null(after.Tenants[0].Quota);
        Assert.Empty(after.Nodes);
        Assert.Equal(2, after.Jobs[0].Tasks.Count);
    }

    [Fact]
    public void Dispose_WithoutCommit_LeavesNothing()
    {
        using var store = Open(Location);
        using (var tx = store.Begin())
        {
            WriteAll(tx);
        }

        Assert.Empty(store.Load().Jobs);
        using (var tx = store.Begin())
        {
            tx.UpsertTenant(new Tenant { Name = "later", CreatedAt = T0 });
            tx.Commit();
        }

        Assert.Equal("later", Assert.Single(store.Load().Tenants).Name);
    }

    [Fact]
    public void Commit_ConstraintViolation_ThrowsStoreWriteAndKeepsNoneOfTheTransaction()
    {
        using var store = Open(Location);
        using (var tx = store.Begin())
        {
            tx.InsertToken(Token(1, "SAME"));
            tx.Commit();
        }

        Assert.Throws<StoreWriteException>(() =>
        {
            using var tx = store.Begin();
            tx.UpsertTenant(new Tenant { Name = "lost", CreatedAt = T0 });
            tx.InsertToken(Token(2, "SAME"));
            tx.Commit();
        });

        // The store is usable afterwards, and nothing of the failed transaction is there.
        using (var tx = store.Begin())
        {
            tx.UpsertTenant(new Tenant { Name = "kept", CreatedAt = T0 });
            tx.Commit();
        }

        var contents = store.Load();
        Assert.Equal("kept", Assert.Single(contents.Tenants).Name);
        Assert.Single(contents.Tokens);
    }

    [Fact]
    public void Commit_ManyJobsInOneTransaction_AllThereInIdOrder()
    {
        using var store = Open(Location);
        using (var tx = store.Begin())
        {
            for (var id = 300; id >= 1; id--)
            {
                tx.UpsertJob(NewJob(id));
                tx.InsertEvent(id, new JobEventView { Time = T0, Type = "submitted", Message = $"job {id}" });
            }

            tx.Commit();
        }

        var jobs = store.Load().Jobs;
        Assert.Equal(Enumerable.Range(1, 300).Select(i => (long)i), jobs.Select(j => j.Id));
        Assert.All(jobs, j => Assert.Equal($"job {j.Id}", Assert.Single(j.Events).Message));
    }

    [Fact]
    public void Commit_SameRowsWrittenSeveralTimesInOneTransaction_LastWriteWins()
    {
        using var store = Open(Location);
        using (var tx = store.Begin())
        {
            tx.UpsertNode(new Node { Name = "gone", RegisteredAt = T0, Registration = new NodeRegistration { Name = "gone" } });
            tx.UpsertNode(new Node { Name = "back", RegisteredAt = T0, Registration = new NodeRegistration { Name = "back" } });
            tx.Commit();
        }

        using (var tx = store.Begin())
        {
            var job = NewJob(5);
            tx.UpsertJob(job);
            tx.UpsertTask(new JobTask { Id = 50, JobId = 5, Replica = 0, State = TaskState.Pending });
            job.State = JobState.Running;
            tx.UpsertJob(job);
            tx.UpsertTask(new JobTask { Id = 50, JobId = 5, Replica = 0, State = TaskState.Running, Node = "back", Gpus = [1] });
            var token = Token(9, "T9");
            tx.InsertToken(token);
            token.RevokedAt = T0.AddMinutes(5);
            tx.UpdateToken(token);
            tx.DeleteNode("gone");
            tx.DeleteNode("back");
            tx.UpsertNode(new Node { Name = "back", State = NodeState.Draining, RegisteredAt = T0, Registration = new NodeRegistration { Name = "back" } });
            tx.UpsertNode(new Node { Name = "new", RegisteredAt = T0, Registration = new NodeRegistration { Name = "new" } });
            tx.DeleteNode("new");
            for (var i = 0; i < 5; i++)
            {
                tx.InsertEvent(5, new JobEventView { Time = T0.AddSeconds(i), Type = "step", Message = $"e{i}" });
            }

            tx.Commit();
        }

        var contents = store.Load();
        var loaded = Assert.Single(contents.Jobs);
        Assert.Equal(JobState.Running, loaded.State);
        var task = Assert.Single(loaded.Tasks);
        Assert.Equal((TaskState.Running, "back", 1), (task.State, task.Node, task.Gpus.Single()));
        Assert.Equal(["e0", "e1", "e2", "e3", "e4"], loaded.Events.Select(e => e.Message));
        Assert.Equal(T0.AddMinutes(5), Assert.Single(contents.Tokens).RevokedAt);
        var node = Assert.Single(contents.Nodes);
        Assert.Equal(("back", NodeState.Draining), (node.Name, node.State));
    }

    private static ApiToken Token(long id, string hash) => new() { Id = id, Hash = hash, Kind = TokenKind.Admin, CreatedAt = T0 };

    private static Job NewJob(long id, double? value = null) => new()
    {
        Id = id,
        Value = value,
        Tenant = "team-a",
        Name = "train",
        Priority = 7,
        Preemptible = true,
        Replicas = 2,
        Resources = new JobResources { CpuMilli = 1000, MemoryMiB = 2048, GpuMilli = 500 },
        Command = ["python", "train.py"],
        Env = new Dictionary<string, string> { ["DATASET"] = "imagenet" },
        MaxRetries = 2,
        CreatedAt = T0,
        State = JobState.Pending,
    };

    private static void WriteAll(IStoreTransaction tx)
    {
        tx.UpsertTenant(new Tenant
        {
            Name = "team-a",
            FairShareWeight = 2.5,
            Quota = new ResourceAmounts { CpuMilli = 4000 },
            Guarantee = new ResourceAmounts { GpuMilli = 8000 },
            BorrowingLimit = new ResourceAmounts { GpuMilli = 16000 },
            CreatedAt = T0,
        });
        tx.InsertToken(new ApiToken { Id = 7, Hash = "HASH", Kind = TokenKind.Node, Tenant = "team-a", Node = "n1", Description = "desc", CreatedAt = T0 });
        tx.InsertIdempotencyKey(new IdempotencyRecord("team-a", "k1", "h1", 1, T0));
        tx.UpsertNode(new Node
        {
            Name = "n1",
            State = NodeState.Draining,
            RegisteredAt = T0,
            Registration = new NodeRegistration
            {
                Name = "n1",
                CpuMilli = 16000,
                MemoryMiB = 65536,
                Gpus = [new GpuDevice { Index = 0, Model = "A100", MemoryMiB = 40960 }],
                Labels = new Dictionary<string, string> { ["zone"] = "east" },
            },
        });
        var job = NewJob(1, value: 250.5);
        job.State = JobState.Running;
        job.Retries = 1;
        tx.UpsertJob(job);
        tx.UpsertTask(new JobTask { Id = 10, JobId = 1, Replica = 0, State = TaskState.Running, Node = "n1", Gpus = [0, 1], Attempt = 3 });
        tx.UpsertTask(new JobTask { Id = 11, JobId = 1, Replica = 1, State = TaskState.Pending });
        tx.InsertEvent(1, new JobEventView { Time = T0, Type = "submitted", Message = "submitted" });
        tx.InsertEvent(1, new JobEventView { Time = T0.AddSeconds(1), Type = "scheduled", Message = "on n1" });
    }
}

/// <summary>The store contract on the embedded SQLite file.</summary>
public sealed class SqliteJobStoreContractTests : JobStoreContractTests
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "lepton-store-" + Guid.NewGuid().ToString("N"));

    private protected override Task<string> CreateLocationAsync()
    {
        Directory.CreateDirectory(_dir);
        return Task.FromResult(Path.Combine(_dir, "lepton.db"));
    }

    private protected override IJobStore Open(string location) => new SqliteJobStore(location);

    /// <inheritdoc/>
    public override ValueTask DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
        return ValueTask.CompletedTask;
    }
}

/// <summary>The store contract on a real PostgreSQL database (a fresh one per test).</summary>
public sealed class PostgresJobStoreContractTests(PostgresServer postgres) : JobStoreContractTests
{
    private protected override Task<string> CreateLocationAsync() => postgres.CreateDatabaseAsync();

    private protected override IJobStore Open(string location) => new PostgresJobStore(PostgresLocation.Parse(location));
}
