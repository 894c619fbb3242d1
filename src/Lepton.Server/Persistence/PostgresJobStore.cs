using System.Data;
using Lepton.Client.Contracts;
using Lepton.Server.Model;
using Npgsql;
using static Lepton.Server.Persistence.StoreRows;

namespace Lepton.Server.Persistence;

/// <summary>The shared store for several servers: a PostgreSQL database, with the leader's fencing token checked in every
/// write transaction.</summary>
/// <remarks>
/// <para>Same rows and JSON columns as <see cref="SqliteJobStore"/>. A write transaction buffers its statements and sends
/// them in one round trip at <see cref="IStoreTransaction.Commit"/> (after the fence), then commits: PostgreSQL's default
/// <c>synchronous_commit=on</c> flushes the WAL before the commit returns, so a 201 is durable. The control plane's group
/// commit puts many submissions in one such transaction.</para>
/// <para>Fencing: while <see cref="FencingEpoch"/> is set, every transaction first runs <c>lepton_fence(epoch)</c>, which
/// updates the single <c>lepton_leader</c> row only if its epoch is still ours and raises otherwise. The row stays locked
/// until the commit, so a server taking over (which bumps the epoch on that row) waits for a write in flight and then
/// loads after it; a leader paused past its lease that wakes up finds a newer epoch and commits nothing.</para>
/// <para>Connections come from a pool: <see cref="Load"/> may run on any thread (followers refresh their model) while the
/// writer commits.</para>
/// </remarks>
internal sealed class PostgresJobStore : IJobStore
{
    /// <summary>Schema changes in order; step i brings <c>lepton_schema.version</c> from i to i + 1. Append only.</summary>
    private static readonly string[] Migrations =
    [
        // 1: the tables of SQLite's schema (with its migration 1), the leader row and the fence.
        """
        CREATE TABLE tenants (name TEXT PRIMARY KEY, quota TEXT, weight DOUBLE PRECISION NOT NULL, created_at BIGINT NOT NULL);
        CREATE TABLE tokens (id BIGINT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, tenant TEXT, description TEXT,
            created_at BIGINT NOT NULL, node TEXT, last_used_at BIGINT, revoked_at BIGINT);
        CREATE TABLE idempotency_keys (tenant TEXT NOT NULL, key TEXT NOT NULL, request_hash TEXT NOT NULL, job_id BIGINT NOT NULL,
            created_at BIGINT NOT NULL, PRIMARY KEY (tenant, key));
        CREATE TABLE nodes (name TEXT PRIMARY KEY, registration TEXT NOT NULL, state TEXT NOT NULL, registered_at BIGINT NOT NULL);
        CREATE TABLE jobs (id BIGINT PRIMARY KEY, tenant TEXT NOT NULL, name TEXT NOT NULL, priority INTEGER NOT NULL,
            preemptible BOOLEAN NOT NULL, replicas INTEGER NOT NULL, resources TEXT NOT NULL, command TEXT NOT NULL, env TEXT NOT NULL,
            max_retries INTEGER NOT NULL, state TEXT NOT NULL, reason TEXT, retries INTEGER NOT NULL, exit_code INTEGER,
            created_at BIGINT NOT NULL);
        CREATE TABLE tasks (id BIGINT PRIMARY KEY, job_id BIGINT NOT NULL, replica INTEGER NOT NULL, state TEXT NOT NULL,
            node TEXT, gpus TEXT NOT NULL, attempt INTEGER NOT NULL, exit_code INTEGER);
        CREATE INDEX tasks_job ON tasks (job_id);
        CREATE TABLE events (id BIGSERIAL PRIMARY KEY, job_id BIGINT NOT NULL, time BIGINT NOT NULL, type TEXT NOT NULL,
            message TEXT NOT NULL);
        CREATE INDEX events_job ON events (job_id);
        CREATE TABLE lepton_leader (id INTEGER PRIMARY KEY CHECK (id = 1), epoch BIGINT NOT NULL, holder TEXT, url TEXT,
            expires_at TIMESTAMPTZ NOT NULL, writes BIGINT NOT NULL);
        INSERT INTO lepton_leader (id, epoch, expires_at, writes) VALUES (1, 0, '-infinity', 0);
        CREATE FUNCTION lepton_fence(expected BIGINT) RETURNS VOID LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE lepton_leader SET writes = writes + 1 WHERE id = 1 AND epoch = expected;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'fenced: epoch % no longer leads; another server took over', expected USING ERRCODE = 'LP001';
            END IF;
        END $$;
        """,
        // 2: SQLite's migrations 2 and 3: a job's declared value; each tenant's fair-share guarantee and borrowing limit.
        """
        ALTER TABLE jobs ADD COLUMN value DOUBLE PRECISION;
        ALTER TABLE tenants ADD COLUMN guarantee TEXT;
        ALTER TABLE tenants ADD COLUMN borrowing_limit TEXT;
        """,
        // 3: SQLite's migration 2 (energy and cost accounting, power state of nodes switched off), for PostgresUsageStore.
        """
        CREATE TABLE usage (bucket BIGINT NOT NULL, node TEXT NOT NULL, job_id BIGINT NOT NULL, tenant TEXT NOT NULL,
            job_name TEXT NOT NULL, gpu_model TEXT NOT NULL, seconds DOUBLE PRECISION NOT NULL, gpu_seconds DOUBLE PRECISION NOT NULL,
            cpu_seconds DOUBLE PRECISION NOT NULL, energy_j DOUBLE PRECISION NOT NULL, measured_energy_j DOUBLE PRECISION NOT NULL,
            cost DOUBLE PRECISION NOT NULL, PRIMARY KEY (bucket, node, job_id));
        CREATE TABLE node_power (name TEXT PRIMARY KEY, state TEXT NOT NULL, since BIGINT NOT NULL);
        """,
    ];

    /// <summary>SQLSTATE raised by <c>lepton_fence</c>.</summary>
    public const string FencedState = "LP001";

    private readonly NpgsqlDataSource _source;
    private long _fencingEpoch;

    /// <summary>Connects to <paramref name="location"/> and brings its schema up to date; throws on an unreachable database.</summary>
    public PostgresJobStore(PostgresLocation location)
    {
        Location = location;
        _source = NpgsqlDataSource.Create(location.ConnectionString);
        try
        {
            Migrate();
        }
        catch
        {
            _source.Dispose();
            throw;
        }
    }

    /// <summary>Where the store is (no password).</summary>
    public PostgresLocation Location { get; }

    /// <summary>The schema version this server writes.</summary>
    public static int SchemaVersion => Migrations.Length;

    /// <summary>The leader epoch every write transaction must still hold; 0 for no check (a single server, tests).</summary>
    public long FencingEpoch
    {
        get => Interlocked.Read(ref _fencingEpoch);
        set => Interlocked.Exchange(ref _fencingEpoch, value);
    }

    /// <summary>When true, a transaction without a <see cref="FencingEpoch"/> is refused (a follower never writes).</summary>
    public bool RequireLeadership { get; init; }

    /// <summary>Opens a pooled connection (also for the leader lease).</summary>
    public NpgsqlConnection OpenConnection() => _source.OpenConnection();

    private void Migrate()
    {
        using var connection = _source.OpenConnection();
        using var transaction = connection.BeginTransaction();
        // Servers starting together on a fresh database take turns; DDL is transactional in PostgreSQL.
        Execute(connection, transaction, "SELECT pg_advisory_xact_lock(7426712)");
        Execute(connection, transaction, "CREATE TABLE IF NOT EXISTS lepton_schema (version INTEGER NOT NULL)");
        using (var read = new NpgsqlCommand("SELECT version FROM lepton_schema", connection, transaction))
        {
            var version = read.ExecuteScalar() is int v ? v : -1;
            if (version < 0)
            {
                Execute(connection, transaction, "INSERT INTO lepton_schema (version) VALUES (0)");
                version = 0;
            }

            if (version > Migrations.Length)
            {
                throw new InvalidOperationException(
                    $"{Location.Display}: the database has schema version {version}, newer than this server knows ({Migrations.Length}); run a newer lepton");
            }

            for (var step = version; step < Migrations.Length; step++)
            {
                Execute(connection, transaction, Migrations[step]);
                Execute(connection, transaction, $"UPDATE lepton_schema SET version = {step + 1}");
            }
        }

        transaction.Commit();
    }

    private static void Execute(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection, transaction);
        command.ExecuteNonQuery();
    }

    /// <inheritdoc/>
    public StoreContents Load()
    {
        using var connection = _source.OpenConnection();
        // One snapshot for every table: a follower never sees a task without its job.
        using var transaction = connection.BeginTransaction(IsolationLevel.RepeatableRead);
        var contents = StoreRows.Read(sql => Query(connection, transaction, sql));
        transaction.Commit();
        return contents;
    }

    /// <inheritdoc/>
    public IStoreTransaction Begin()
    {
        var epoch = FencingEpoch;
        if (epoch == 0 && RequireLeadership)
        {
            throw new StoreWriteException("this server is not the leader: it does not write", new InvalidOperationException("no leader epoch"));
        }

        return new Transaction(this, epoch);
    }

    /// <inheritdoc/>
    public void Dispose() => _source.Dispose();

    private static NpgsqlDataReader Query(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql)
    {
        // Disposed with the reader's using: CommandBehavior.Default keeps the command alive only as long as the reader.
        var command = new NpgsqlCommand(sql, connection, transaction);
        return command.ExecuteReader();
    }

    /// <summary>One write transaction: statements are gathered, then sent with the fence in one batch and committed.</summary>
    private sealed class Transaction(PostgresJobStore store, long epoch) : IStoreTransaction
    {
        private readonly List<NpgsqlBatchCommand> _commands = [];

        public void UpsertTenant(Tenant tenant) => Add(
            """
            INSERT INTO tenants (name, quota, weight, created_at, guarantee, borrowing_limit) VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (name) DO UPDATE SET quota = EXCLUDED.quota, weight = EXCLUDED.weight, created_at = EXCLUDED.created_at,
                guarantee = EXCLUDED.guarantee, borrowing_limit = EXCLUDED.borrowing_limit
            """,
            tenant.Name, tenant.Quota is null ? DBNull.Value : ToJson(tenant.Quota), tenant.FairShareWeight, ToMs(tenant.CreatedAt),
            tenant.Guarantee is null ? DBNull.Value : ToJson(tenant.Guarantee), tenant.BorrowingLimit is null ? DBNull.Value : ToJson(tenant.BorrowingLimit));

        public void InsertToken(ApiToken token) => Add(
            "INSERT INTO tokens (id, hash, kind, tenant, description, created_at, node, last_used_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            token.Id, token.Hash, token.Kind.ToString(), Nullable(token.Tenant), Nullable(token.Description), ToMs(token.CreatedAt),
            Nullable(token.Node), NullableMs(token.LastUsedAt), NullableMs(token.RevokedAt));

        public void UpdateToken(ApiToken token) => Add(
            "UPDATE tokens SET last_used_at = $1, revoked_at = $2 WHERE id = $3",
            NullableMs(token.PersistedLastUsedAt), NullableMs(token.RevokedAt), token.Id);

        public void InsertIdempotencyKey(IdempotencyRecord record) => Add(
            "INSERT INTO idempotency_keys (tenant, key, request_hash, job_id, created_at) VALUES ($1, $2, $3, $4, $5)",
            record.Tenant, record.Key, record.RequestHash, record.JobId, ToMs(record.CreatedAt));

        public void DeleteNode(string name) => Add("DELETE FROM nodes WHERE name = $1", name);

        public void UpsertNode(Node node) => Add(
            """
            INSERT INTO nodes (name, registration, state, registered_at) VALUES ($1, $2, $3, $4)
            ON CONFLICT (name) DO UPDATE SET registration = EXCLUDED.registration, state = EXCLUDED.state, registered_at = EXCLUDED.registered_at
            """,
            node.Name, ToJson(node.Registration), node.State.ToString(), ToMs(node.RegisteredAt));

        public void UpsertJob(Job job) => Add(
            """
            INSERT INTO jobs (id, tenant, name, priority, preemptible, replicas, resources, command, env, max_retries, state,
                reason, retries, exit_code, created_at, value) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
            ON CONFLICT (id) DO UPDATE SET tenant = EXCLUDED.tenant, name = EXCLUDED.name, priority = EXCLUDED.priority,
                preemptible = EXCLUDED.preemptible, replicas = EXCLUDED.replicas, resources = EXCLUDED.resources,
                command = EXCLUDED.command, env = EXCLUDED.env, max_retries = EXCLUDED.max_retries, state = EXCLUDED.state,
                reason = EXCLUDED.reason, retries = EXCLUDED.retries, exit_code = EXCLUDED.exit_code, created_at = EXCLUDED.created_at,
                value = EXCLUDED.value
            """,
            job.Id, job.Tenant, job.Name, job.Priority, job.Preemptible, job.Replicas, ToJson(job.Resources),
            ToJson(job.Command.ToList()), ToJson(new Dictionary<string, string>(job.Env)), job.MaxRetries, job.State.ToString(),
            job.Reason is null ? DBNull.Value : ToJson(job.Reason), job.Retries, Nullable(job.ExitCode), ToMs(job.CreatedAt),
            Nullable(job.Value));

        public void UpsertTask(JobTask task) => Add(
            """
            INSERT INTO tasks (id, job_id, replica, state, node, gpus, attempt, exit_code) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            ON CONFLICT (id) DO UPDATE SET job_id = EXCLUDED.job_id, replica = EXCLUDED.replica, state = EXCLUDED.state,
                node = EXCLUDED.node, gpus = EXCLUDED.gpus, attempt = EXCLUDED.attempt, exit_code = EXCLUDED.exit_code
            """,
            task.Id, task.JobId, task.Replica, task.State.ToString(), Nullable(task.Node), string.Join(',', task.Gpus), task.Attempt,
            Nullable(task.ExitCode));

        public void InsertEvent(long jobId, JobEventView jobEvent) => Add(
            "INSERT INTO events (job_id, time, type, message) VALUES ($1, $2, $3, $4)",
            jobId, ToMs(jobEvent.Time), jobEvent.Type, jobEvent.Message);

        public void Commit()
        {
            if (_commands.Count == 0)
            {
                return;
            }

            try
            {
                using var connection = store._source.OpenConnection();
                using var transaction = connection.BeginTransaction();
                using (var batch = new NpgsqlBatch(connection, transaction))
                {
                    if (epoch != 0)
                    {
                        var fence = new NpgsqlBatchCommand("SELECT lepton_fence($1)");
                        fence.Parameters.Add(new NpgsqlParameter { Value = epoch });
                        batch.BatchCommands.Add(fence);
                    }

                    foreach (var command in _commands)
                    {
                        batch.BatchCommands.Add(command);
                    }

                    batch.ExecuteNonQuery();
                }

                transaction.Commit();
            }
            catch (PostgresException e) when (e.SqlState == FencedState)
            {
                throw new StoreWriteException(e.MessageText, e);
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                throw new StoreWriteException($"PostgreSQL at {store.Location.Display}: {e.Message}", e);
            }
        }

        public void Dispose()
        {
            // Nothing was sent before Commit: an uncommitted transaction simply drops its statements.
        }

        private void Add(string sql, params object[] values)
        {
            var command = new NpgsqlBatchCommand(sql);
            foreach (var value in values)
            {
                command.Parameters.Add(new NpgsqlParameter { Value = value });
            }

            _commands.Add(command);
        }
    }
}
