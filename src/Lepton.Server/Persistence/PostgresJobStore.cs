using System.Data;
using Npgsql;

namespace Lepton.Server.Persistence;

/// <summary>The shared store for several servers: a PostgreSQL database, with the leader's fencing token checked in every
/// write transaction.</summary>
/// <remarks>
/// <para>Same rows and JSON columns as <see cref="SqliteJobStore"/>. A write transaction (<see cref="PostgresTransaction"/>)
/// gathers its rows and sends them at <see cref="IStoreTransaction.Commit"/> (after the fence), one statement per table, then
/// commits: PostgreSQL's default
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

        return new PostgresTransaction(_source, Location.Display, epoch);
    }

    /// <inheritdoc/>
    public void Dispose() => _source.Dispose();

    private static NpgsqlDataReader Query(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql)
    {
        // Disposed with the reader's using: CommandBehavior.Default keeps the command alive only as long as the reader.
        var command = new NpgsqlCommand(sql, connection, transaction);
        return command.ExecuteReader();
    }
}
