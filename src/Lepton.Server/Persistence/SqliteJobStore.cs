using System.Globalization;
using Lepton.Client.Contracts;
using Lepton.Server.Model;
using Microsoft.Data.Sqlite;
using static Lepton.Server.Persistence.StoreRows;

namespace Lepton.Server.Persistence;

/// <summary>The embedded store: one SQLite file in WAL mode with <c>synchronous=FULL</c>, so a committed transaction survives kill -9 and power loss.</summary>
/// <remarks>
/// One connection, used by one writer at a time (the control plane's writer thread), with prepared commands reused
/// across transactions. Nested values (resources, command, env, labels, GPUs, reasons) are JSON columns: they are
/// always read and written whole.
/// </remarks>
internal sealed class SqliteJobStore : IJobStore
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS tenants (name TEXT PRIMARY KEY, quota TEXT, weight REAL NOT NULL, created_at INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS tokens (id INTEGER PRIMARY KEY, hash TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, tenant TEXT,
            description TEXT, created_at INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS nodes (name TEXT PRIMARY KEY, registration TEXT NOT NULL, state TEXT NOT NULL, registered_at INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS jobs (id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, name TEXT NOT NULL, priority INTEGER NOT NULL,
            preemptible INTEGER NOT NULL, replicas INTEGER NOT NULL, resources TEXT NOT NULL, command TEXT NOT NULL, env TEXT NOT NULL,
            max_retries INTEGER NOT NULL, state TEXT NOT NULL, reason TEXT, retries INTEGER NOT NULL, exit_code INTEGER,
            created_at INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS tasks (id INTEGER PRIMARY KEY, job_id INTEGER NOT NULL, replica INTEGER NOT NULL, state TEXT NOT NULL,
            node TEXT, gpus TEXT NOT NULL, attempt INTEGER NOT NULL, exit_code INTEGER);
        CREATE INDEX IF NOT EXISTS tasks_job ON tasks (job_id);
        CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY AUTOINCREMENT, job_id INTEGER NOT NULL, time INTEGER NOT NULL,
            type TEXT NOT NULL, message TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS events_job ON events (job_id);
        """;

    /// <summary>Schema changes after the first release, in order; step i brings <c>PRAGMA user_version</c> from i to i + 1.</summary>
    /// <remarks>Append only: a database file records how many steps it has taken, so each step runs once, on new and
    /// existing files alike (the base schema above is the state before step 0).</remarks>
    private static readonly string[] Migrations =
    [
        // 1: per-node credentials, token revocation and last use; Idempotency-Key of job submissions.
        """
        ALTER TABLE tokens ADD COLUMN node TEXT;
        ALTER TABLE tokens ADD COLUMN last_used_at INTEGER;
        ALTER TABLE tokens ADD COLUMN revoked_at INTEGER;
        CREATE TABLE idempotency_keys (tenant TEXT NOT NULL, key TEXT NOT NULL, request_hash TEXT NOT NULL, job_id INTEGER NOT NULL,
            created_at INTEGER NOT NULL, PRIMARY KEY (tenant, key));
        """,
        // 2: a job's declared value; energy and cost accounting (SqliteUsageStore), power state of nodes switched off.
        """
        ALTER TABLE jobs ADD COLUMN value REAL;
        CREATE TABLE usage (bucket INTEGER NOT NULL, node TEXT NOT NULL, job_id INTEGER NOT NULL, tenant TEXT NOT NULL,
            job_name TEXT NOT NULL, gpu_model TEXT NOT NULL, seconds REAL NOT NULL, gpu_seconds REAL NOT NULL, cpu_seconds REAL NOT NULL,
            energy_j REAL NOT NULL, measured_energy_j REAL NOT NULL, cost REAL NOT NULL, PRIMARY KEY (bucket, node, job_id));
        CREATE TABLE node_power (name TEXT PRIMARY KEY, state TEXT NOT NULL, since INTEGER NOT NULL);
        """,
        // 3: fair share: each tenant's guaranteed quota and borrowing limit (JSON amounts; NULL: none / unlimited).
        """
        ALTER TABLE tenants ADD COLUMN guarantee TEXT;
        ALTER TABLE tenants ADD COLUMN borrowing_limit TEXT;
        """,
    ];

    private readonly string _path;
    private readonly Dictionary<string, SqliteCommand> _commands = [];
    private SqliteConnection _connection;
    private bool _broken;

    /// <summary>Opens (creating if needed) the database file at <paramref name="path"/>.</summary>
    /// <remarks>A new file is created owner-only (0600) before SQLite opens it: it holds every job's environment, i.e. users'
    /// secrets; SQLite gives its <c>-wal</c> and <c>-shm</c> files the database file's permissions.</remarks>
    public SqliteJobStore(string path)
    {
        _path = path;
        RestrictAccess(path);
        _connection = Open();
    }

    /// <summary>Creates <paramref name="path"/> empty and owner-only if it is missing, or takes group and other access away.</summary>
    public static void RestrictAccess(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        if (!File.Exists(path))
        {
            using var created = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = OwnerOnly,
            });
        }

        foreach (var file in new[] { path, path + "-wal", path + "-shm" })
        {
            if (File.Exists(file) && (File.GetUnixFileMode(file) & ~OwnerOnly) != 0)
            {
                File.SetUnixFileMode(file, OwnerOnly);
            }
        }
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = _path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        try
        {
            connection.Open();
            Execute(connection, "PRAGMA journal_mode=WAL;");
            // FULL: the WAL is fsynced at every commit, which is what makes a 201 durable.
            Execute(connection, "PRAGMA synchronous=FULL;");
            Execute(connection, "PRAGMA busy_timeout=5000;");
            Execute(connection, Schema);
            Migrate(connection);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>The schema version of a database file (how many <see cref="Migrations"/> it has taken).</summary>
    public static int SchemaVersion => Migrations.Length;

    private static void Migrate(SqliteConnection connection)
    {
        using var read = connection.CreateCommand();
        read.CommandText = "PRAGMA user_version;";
        var version = Convert.ToInt32(read.ExecuteScalar(), CultureInfo.InvariantCulture);
        if (version > Migrations.Length)
        {
            throw new InvalidOperationException(
                $"{connection.DataSource}: the database has schema version {version}, newer than this server knows ({Migrations.Length}); run a newer lepton");
        }

        for (var step = version; step < Migrations.Length; step++)
        {
            // DDL is transactional in SQLite: a step and its version bump commit together or not at all.
            using var transaction = connection.BeginTransaction();
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = Migrations[step] + $"\nPRAGMA user_version = {step + 1};";
            command.ExecuteNonQuery();
            transaction.Commit();
        }
    }

    /// <summary>After a failed commit the connection may be left mid-transaction: start over on a fresh one.</summary>
    private void EnsureHealthy()
    {
        if (!_broken)
        {
            return;
        }

        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }

        _commands.Clear();
        _connection.Dispose();
        _connection = Open();
        _broken = false;
    }

    /// <inheritdoc/>
    public StoreContents Load()
    {
        EnsureHealthy();
        return StoreRows.Read(Query);
    }

    /// <inheritdoc/>
    public IStoreTransaction Begin()
    {
        EnsureHealthy();
        try
        {
            return new Transaction(this, _connection.BeginTransaction());
        }
        catch
        {
            _broken = true;
            throw;
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }

        _connection.Dispose();
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private SqliteDataReader Query(string sql)
    {
        // The reader needs its command alive; both are collected once the reader is disposed (start-up only).
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteReader();
    }

    private SqliteCommand Prepared(SqliteTransaction transaction, string sql, int parameters)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = _connection.CreateCommand();
            command.CommandText = sql;
            for (var i = 1; i <= parameters; i++)
            {
                command.Parameters.Add(new SqliteParameter("$" + i.ToString(CultureInfo.InvariantCulture), null));
            }

            _commands.Add(sql, command);
        }

        command.Transaction = transaction;
        return command;
    }

    /// <summary>One write transaction on the shared connection.</summary>
    private sealed class Transaction(SqliteJobStore store, SqliteTransaction transaction) : IStoreTransaction
    {
        public void UpsertTenant(Tenant tenant) => Run(
            "INSERT OR REPLACE INTO tenants (name, quota, weight, created_at, guarantee, borrowing_limit) VALUES ($1, $2, $3, $4, $5, $6)",
            tenant.Name, tenant.Quota is null ? DBNull.Value : ToJson(tenant.Quota), tenant.FairShareWeight, ToMs(tenant.CreatedAt),
            tenant.Guarantee is null ? DBNull.Value : ToJson(tenant.Guarantee), tenant.BorrowingLimit is null ? DBNull.Value : ToJson(tenant.BorrowingLimit));

        public void InsertToken(ApiToken token) => Run(
            "INSERT INTO tokens (id, hash, kind, tenant, description, created_at, node, last_used_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            token.Id, token.Hash, token.Kind.ToString(), Nullable(token.Tenant), Nullable(token.Description), ToMs(token.CreatedAt),
            Nullable(token.Node), NullableMs(token.LastUsedAt), NullableMs(token.RevokedAt));

        public void UpdateToken(ApiToken token) => Run(
            "UPDATE tokens SET last_used_at = $1, revoked_at = $2 WHERE id = $3",
            NullableMs(token.PersistedLastUsedAt), NullableMs(token.RevokedAt), token.Id);

        public void InsertIdempotencyKey(IdempotencyRecord record) => Run(
            "INSERT INTO idempotency_keys (tenant, key, request_hash, job_id, created_at) VALUES ($1, $2, $3, $4, $5)",
            record.Tenant, record.Key, record.RequestHash, record.JobId, ToMs(record.CreatedAt));

        public void DeleteNode(string name) => Run("DELETE FROM nodes WHERE name = $1", name);

        public void UpsertNode(Node node) => Run(
            "INSERT OR REPLACE INTO nodes (name, registration, state, registered_at) VALUES ($1, $2, $3, $4)",
            node.Name, ToJson(node.Registration), node.State.ToString(), ToMs(node.RegisteredAt));

        public void UpsertJob(Job job) => Run(
            """
            INSERT OR REPLACE INTO jobs (id, tenant, name, priority, preemptible, replicas, resources, command, env, max_retries, state,
                reason, retries, exit_code, created_at, value) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
            """,
            job.Id, job.Tenant, job.Name, job.Priority, job.Preemptible ? 1 : 0, job.Replicas, ToJson(job.Resources),
            ToJson(job.Command.ToList()), ToJson(new Dictionary<string, string>(job.Env)), job.MaxRetries, job.State.ToString(),
            job.Reason is null ? DBNull.Value : ToJson(job.Reason), job.Retries, Nullable(job.ExitCode), ToMs(job.CreatedAt),
            Nullable(job.Value));

        public void UpsertTask(JobTask task) => Run(
            "INSERT OR REPLACE INTO tasks (id, job_id, replica, state, node, gpus, attempt, exit_code) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            task.Id, task.JobId, task.Replica, task.State.ToString(), Nullable(task.Node), string.Join(',', task.Gpus), task.Attempt,
            Nullable(task.ExitCode));

        public void InsertEvent(long jobId, JobEventView jobEvent) => Run(
            "INSERT INTO events (job_id, time, type, message) VALUES ($1, $2, $3, $4)",
            jobId, ToMs(jobEvent.Time), jobEvent.Type, jobEvent.Message);

        private bool _committed;

        public void Commit()
        {
            try
            {
                transaction.Commit();
                _committed = true;
            }
            catch
            {
                store._broken = true;
                throw;
            }
        }

        public void Dispose()
        {
            if (!_committed)
            {
                // Any failure inside the transaction (a full disk during an insert) also leaves the connection in doubt.
                store._broken = true;
            }

            try
            {
                transaction.Dispose();
            }
            catch (SqliteException)
            {
                // SQLite may already have rolled back (SQLITE_FULL); the connection is reopened before the next use.
            }
        }

        private void Run(string sql, params object[] values)
        {
            var command = store.Prepared(transaction, sql, values.Length);
            for (var i = 0; i < values.Length; i++)
            {
                command.Parameters[i].Value = values[i];
            }

            try
            {
                command.ExecuteNonQuery();
            }
            catch (SqliteException e)
            {
                store._broken = true;
                throw new StoreWriteException(e.Message, e);
            }
        }
    }
}
