using Lepton.Client.Contracts;
using Lepton.Server.Model;
using Npgsql;
using static Lepton.Server.Persistence.StoreRows;

namespace Lepton.Server.Persistence;

/// <summary>One write transaction of <see cref="PostgresJobStore"/>: rows are gathered per table (the last write of a row
/// wins, as it would with one statement per write) and sent at <see cref="Commit"/> as ONE statement: one data-modifying
/// <c>WITH</c> part per table and the fence as its main query, run in its own implicit transaction.</summary>
/// <remarks>
/// <para>Why one statement: a commit costs one round trip to the server, not one per table plus BEGIN and COMMIT. The
/// control plane commits under its model lock, so every round trip saved is time no reader or scheduling cycle waits (on
/// 2 cores, under load, each round trip also waits for PostgreSQL's backend to be scheduled).</para>
/// <para>Why not an <c>NpgsqlBatch</c>: Npgsql executes a synchronous batch by writing every statement after the first
/// asynchronously, on the thread pool, while the calling thread waits for the replies. With request threads all blocked on
/// the model lock, that write never ran and the commit hung until the 30 s command timeout (seen in <c>lepton bench api</c>
/// on 2 cores). A single command is written synchronously, so a commit needs no other thread.</para>
/// <para>What one statement changes: every part sees the same snapshot, and a row may be changed by at most one part. So
/// each table gets one part (rows are merged per key before), a node deleted and then written again is only written (the
/// upsert replaces the whole row), and a token inserted and then updated is inserted with the update applied. Data-modifying
/// <c>WITH</c> parts always run to completion; the fence (main query) raises when another server leads, which aborts the
/// whole statement, so nothing of a fenced commit is kept whatever order PostgreSQL runs the parts in. The fence's row lock
/// is held until the implicit commit, so a server taking over still waits for a write in flight.</para>
/// <para>Events are inserted in the order written (<c>WITH ORDINALITY … ORDER BY</c>), so their ids keep that order.</para>
/// </remarks>
internal sealed class PostgresTransaction(NpgsqlDataSource source, string display, long epoch) : IStoreTransaction
{
    private static readonly Table Tenants = new("tenants", 1,
        ("name", "text"), ("quota", "text"), ("weight", "double precision"), ("created_at", "bigint"), ("guarantee", "text"), ("borrowing_limit", "text"));

    private static readonly Table Tokens = new("tokens", 1,
        ("id", "bigint"), ("hash", "text"), ("kind", "text"), ("tenant", "text"), ("description", "text"), ("created_at", "bigint"),
        ("node", "text"), ("last_used_at", "bigint"), ("revoked_at", "bigint"));

    private static readonly Table IdempotencyKeys = new("idempotency_keys", 2,
        ("tenant", "text"), ("key", "text"), ("request_hash", "text"), ("job_id", "bigint"), ("created_at", "bigint"));

    private static readonly Table Nodes = new("nodes", 1,
        ("name", "text"), ("registration", "text"), ("state", "text"), ("registered_at", "bigint"));

    private static readonly Table Jobs = new("jobs", 1,
        ("id", "bigint"), ("tenant", "text"), ("name", "text"), ("priority", "integer"), ("preemptible", "boolean"), ("replicas", "integer"),
        ("resources", "text"), ("command", "text"), ("env", "text"), ("max_retries", "integer"), ("state", "text"), ("reason", "text"),
        ("retries", "integer"), ("exit_code", "integer"), ("created_at", "bigint"), ("value", "double precision"));

    private static readonly Table Tasks = new("tasks", 1,
        ("id", "bigint"), ("job_id", "bigint"), ("replica", "integer"), ("state", "text"), ("node", "text"), ("gpus", "text"),
        ("attempt", "integer"), ("exit_code", "integer"));

    private const string UpdateTokensSql = """
        UPDATE tokens AS t SET last_used_at = u.last_used_at, revoked_at = u.revoked_at
        FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS u(id, last_used_at, revoked_at) WHERE t.id = u.id
        """;

    private const string InsertEventsSql = """
        INSERT INTO events (job_id, time, type, message)
        SELECT e.job_id, e.time, e.type, e.message
        FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[]) WITH ORDINALITY AS e(job_id, time, type, message, n) ORDER BY e.n
        """;

    private readonly Rows _tenants = new();
    private readonly Rows _tokens = new();
    private readonly Rows _tokenUpdates = new();
    private readonly Rows _idempotencyKeys = new();
    private readonly Rows _nodes = new();
    private readonly HashSet<string> _deletedNodes = [];
    private readonly Rows _jobs = new();
    private readonly Rows _tasks = new();
    private readonly List<object[]> _events = [];

    public void UpsertTenant(Tenant tenant) => _tenants.Put(tenant.Name,
        tenant.Name, tenant.Quota is null ? DBNull.Value : ToJson(tenant.Quota), tenant.FairShareWeight, ToMs(tenant.CreatedAt),
        tenant.Guarantee is null ? DBNull.Value : ToJson(tenant.Guarantee), tenant.BorrowingLimit is null ? DBNull.Value : ToJson(tenant.BorrowingLimit));

    public void InsertToken(ApiToken token) => _tokens.Put(token.Id,
        token.Id, token.Hash, token.Kind.ToString(), Nullable(token.Tenant), Nullable(token.Description), ToMs(token.CreatedAt),
        Nullable(token.Node), NullableMs(token.LastUsedAt), NullableMs(token.RevokedAt));

    public void UpdateToken(ApiToken token)
    {
        if (_tokens.TryGet(token.Id, out var inserted))
        {
            // Inserted by this transaction: one statement cannot insert and then update a row, so the insert carries the update.
            inserted[7] = NullableMs(token.PersistedLastUsedAt);
            inserted[8] = NullableMs(token.RevokedAt);
            return;
        }

        _tokenUpdates.Put(token.Id, token.Id, NullableMs(token.PersistedLastUsedAt), NullableMs(token.RevokedAt));
    }

    public void InsertIdempotencyKey(IdempotencyRecord record) => _idempotencyKeys.Add(
        record.Tenant, record.Key, record.RequestHash, record.JobId, ToMs(record.CreatedAt));

    public void DeleteNode(string name)
    {
        _nodes.Remove(name);
        _deletedNodes.Add(name);
    }

    public void UpsertNode(Node node)
    {
        // Delete-then-upsert in one transaction leaves the row: the upsert below replaces whatever the delete removed.
        _nodes.Put(node.Name, node.Name, ToJson(node.Registration), node.State.ToString(), ToMs(node.RegisteredAt));
    }

    public void UpsertJob(Job job) => _jobs.Put(job.Id,
        job.Id, job.Tenant, job.Name, job.Priority, job.Preemptible, job.Replicas, ToJson(job.Resources),
        ToJson(job.Command.ToList()), ToJson(new Dictionary<string, string>(job.Env)), job.MaxRetries, job.State.ToString(),
        job.Reason is null ? DBNull.Value : ToJson(job.Reason), job.Retries, Nullable(job.ExitCode), ToMs(job.CreatedAt),
        Nullable(job.Value));

    public void UpsertTask(JobTask task) => _tasks.Put(task.Id,
        task.Id, task.JobId, task.Replica, task.State.ToString(), Nullable(task.Node), string.Join(',', task.Gpus), task.Attempt,
        Nullable(task.ExitCode));

    public void InsertEvent(long jobId, JobEventView jobEvent) => _events.Add([jobId, ToMs(jobEvent.Time), jobEvent.Type, jobEvent.Message]);

    public void Commit()
    {
        var statement = BuildStatement();
        if (statement is null)
        {
            return;
        }

        try
        {
            // No explicit transaction: one statement is its own transaction, so BEGIN and COMMIT cost no round trip.
            using var connection = source.OpenConnection();
            using var command = new NpgsqlCommand(statement.Value.Sql, connection);
            command.Parameters.AddRange(statement.Value.Parameters.ToArray());
            command.ExecuteNonQuery();

        }
        catch (PostgresException e) when (e.SqlState == PostgresJobStore.FencedState)
        {
            throw new StoreWriteException(e.MessageText, e);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            throw new StoreWriteException($"PostgreSQL at {display}: {e.Message}", e);
        }
    }

    public void Dispose()
    {
        // Nothing was sent before Commit: an uncommitted transaction simply drops its rows.
    }

    /// <summary>The whole transaction as one statement (null when it writes nothing): a <c>WITH</c> part per table in the
    /// order of <see cref="PostgresTransaction"/>'s remarks, then the fence.</summary>
    private (string Sql, List<NpgsqlParameter> Parameters)? BuildStatement()
    {
        var parts = new Statement();
        if (_tenants.Count > 0)
        {
            Tenants.Upsert(parts, _tenants.All);
        }

        if (_tokens.Count > 0)
        {
            Tokens.Insert(parts, _tokens.All);
        }

        if (_tokenUpdates.Count > 0)
        {
            var rows = _tokenUpdates.All;
            parts.Add(UpdateTokensSql, Column<long>(rows, 0), Column<long>(rows, 1), Column<long>(rows, 2));
        }

        if (_idempotencyKeys.Count > 0)
        {
            IdempotencyKeys.Insert(parts, _idempotencyKeys.All);
        }

        var written = _nodes.All.Select(row => (string)row[0]).ToHashSet(StringComparer.Ordinal);
        var deleted = _deletedNodes.Where(name => !written.Contains(name)).ToArray();
        if (deleted.Length > 0)
        {
            parts.Add("DELETE FROM nodes WHERE name = ANY($1)", new NpgsqlParameter { Value = deleted });
        }

        if (_nodes.Count > 0)
        {
            Nodes.Upsert(parts, _nodes.All);
        }

        if (_jobs.Count > 0)
        {
            Jobs.Upsert(parts, _jobs.All);
        }

        if (_tasks.Count > 0)
        {
            Tasks.Upsert(parts, _tasks.All);
        }

        if (_events.Count > 0)
        {
            parts.Add(InsertEventsSql, Column<long>(_events, 0), Column<long>(_events, 1), TextColumn(_events, 2), TextColumn(_events, 3));
        }

        return parts.IsEmpty ? null : parts.Finish(epoch);
    }

    private static NpgsqlParameter Column<T>(IReadOnlyList<object[]> rows, int column) where T : struct
    {
        var values = new T?[rows.Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = rows[i][column] switch
            {
                T value => value,
                DBNull => null,
                var other => throw new InvalidOperationException($"column {column}: {other.GetType().Name} where {typeof(T).Name} belongs"),
            };
        }

        return new NpgsqlParameter { Value = values };
    }

    private static NpgsqlParameter TextColumn(IReadOnlyList<object[]> rows, int column)
    {
        var values = new string?[rows.Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = rows[i][column] as string;
        }

        return new NpgsqlParameter { Value = values };
    }

    /// <summary>Rows of one table in first-written order; <see cref="Put"/> replaces a row with the same key in place.</summary>
    private sealed class Rows
    {
        private readonly List<object[]> _rows = [];
        private readonly Dictionary<object, int> _byKey = [];
        private readonly HashSet<int> _removed = [];

        public int Count => _rows.Count - _removed.Count;

        public IReadOnlyList<object[]> All => _removed.Count == 0 ? _rows : [.. _rows.Where((_, i) => !_removed.Contains(i))];

        public void Add(params object[] row) => _rows.Add(row);

        /// <summary>The current row with <paramref name="key"/> (not removed), to change in place.</summary>
        public bool TryGet(object key, out object[] row)
        {
            if (_byKey.TryGetValue(key, out var index) && !_removed.Contains(index))
            {
                row = _rows[index];
                return true;
            }

            row = [];
            return false;
        }

        public void Put(object key, params object[] row)
        {
            if (_byKey.TryGetValue(key, out var index))
            {
                _rows[index] = row;
                _removed.Remove(index);
            }
            else
            {
                _byKey[key] = _rows.Count;
                _rows.Add(row);
            }
        }

        public void Remove(object key)
        {
            if (_byKey.TryGetValue(key, out var index))
            {
                _removed.Add(index);
            }
        }
    }

    /// <summary>A table's columns (the first <c>keys</c> form its primary key) and its set-based statements, written with
    /// parameters <c>$1…$n</c> (renumbered by <see cref="Statement"/>).</summary>
    private sealed class Table
    {
        private readonly string _insert;
        private readonly string _upsert;
        private readonly (string Name, string Type)[] _columns;

        public Table(string name, int keys, params (string Name, string Type)[] columns)
        {
            _columns = columns;
            var names = string.Join(", ", columns.Select(c => c.Name));
            var arrays = string.Join(", ", columns.Select((c, i) => $"${i + 1}::{c.Type}[]"));
            _insert = $"INSERT INTO {name} ({names}) SELECT * FROM unnest({arrays})";
            var conflict = string.Join(", ", columns.Take(keys).Select(c => c.Name));
            var updates = string.Join(", ", columns.Skip(keys).Select(c => $"{c.Name} = EXCLUDED.{c.Name}"));
            _upsert = $"{_insert} ON CONFLICT ({conflict}) DO UPDATE SET {updates}";
        }

        public void Insert(Statement statement, IReadOnlyList<object[]> rows) => statement.Add(_insert, Parameters(rows));

        public void Upsert(Statement statement, IReadOnlyList<object[]> rows) => statement.Add(_upsert, Parameters(rows));

        private NpgsqlParameter[] Parameters(IReadOnlyList<object[]> rows) => [.. _columns.Select((c, i) => c.Type switch
        {
            "bigint" => Column<long>(rows, i),
            "integer" => Column<int>(rows, i),
            "boolean" => Column<bool>(rows, i),
            "double precision" => Column<double>(rows, i),
            _ => TextColumn(rows, i),
        })];
    }

    /// <summary>Builds one statement from parts written with their own <c>$1…$n</c>: each part becomes a <c>WITH</c> part
    /// with its parameters renumbered after the ones before it.</summary>
    private sealed class Statement
    {
        private readonly System.Text.StringBuilder _sql = new("WITH ");
        private readonly List<NpgsqlParameter> _parameters = [];

        public bool IsEmpty => _parameters.Count == 0;

        public void Add(string sql, params NpgsqlParameter[] parameters)
        {
            var offset = _parameters.Count;
            if (offset > 0)
            {
                _sql.Append(", ");
            }

            _sql.Append('w').Append(offset).Append(" AS (");
            // Renumber from the highest so that $1 does not match the start of $12.
            for (var i = parameters.Length; i >= 1; i--)
            {
                sql = sql.Replace($"${i}", $"$#{i + offset}", StringComparison.Ordinal);
            }

            _sql.Append(sql.Replace("$#", "$", StringComparison.Ordinal)).Append(')');
            _parameters.AddRange(parameters);
        }

        /// <summary>The statement with the fence as its main query (a plain <c>SELECT 1</c> for a server without leadership).</summary>
        public (string, List<NpgsqlParameter>) Finish(long epoch)
        {
            if (epoch == 0)
            {
                _sql.Append(" SELECT 1");
            }
            else
            {
                _parameters.Add(new NpgsqlParameter { Value = epoch });
                _sql.Append(" SELECT lepton_fence($").Append(_parameters.Count).Append("::bigint)");
            }

            return (_sql.ToString(), _parameters);
        }
    }
}
