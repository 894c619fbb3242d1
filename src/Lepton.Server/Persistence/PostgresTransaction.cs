using Lepton.Client.Contracts;
using Lepton.Server.Model;
using Npgsql;
using static Lepton.Server.Persistence.StoreRows;

namespace Lepton.Server.Persistence;

/// <summary>One write transaction of <see cref="PostgresJobStore"/>: rows are gathered per table (the last write of a row
/// wins, as it would with one statement per write) and sent at <see cref="Commit"/> as one set-based statement per table.</summary>
/// <remarks>
/// <para>Why not one <c>NpgsqlBatch</c> of all statements: Npgsql executes a synchronous batch by writing every statement
/// after the first asynchronously, on the thread pool, while the calling thread waits for the replies. The control plane
/// commits under its model lock, which request threads wait on; with them all blocked, that write never ran and the commit
/// hung until the 30 s command timeout (seen in <c>lepton bench api</c> on 2 cores). Single-statement commands are written
/// synchronously, so a commit needs no other thread; and a group commit of any size costs at most a dozen round trips.</para>
/// <para>Order of the statements: fence, tenants, tokens (insert, then update), idempotency keys, nodes (delete, then
/// upsert), jobs, tasks, events (in the order written, so their ids keep that order).</para>
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

    public void InsertToken(ApiToken token) => _tokens.Add(
        token.Id, token.Hash, token.Kind.ToString(), Nullable(token.Tenant), Nullable(token.Description), ToMs(token.CreatedAt),
        Nullable(token.Node), NullableMs(token.LastUsedAt), NullableMs(token.RevokedAt));

    public void UpdateToken(ApiToken token) => _tokenUpdates.Put(token.Id, token.Id, NullableMs(token.PersistedLastUsedAt), NullableMs(token.RevokedAt));

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
        var statements = Statements().ToList();
        if (statements.Count == 0)
        {
            return;
        }

        try
        {
            using var connection = source.OpenConnection();
            using var transaction = connection.BeginTransaction();
            if (epoch != 0)
            {
                using var fence = new NpgsqlCommand("SELECT lepton_fence($1)", connection, transaction);
                fence.Parameters.Add(new NpgsqlParameter { Value = epoch });
                fence.ExecuteNonQuery();
            }

            foreach (var (sql, parameters) in statements)
            {
                using var command = new NpgsqlCommand(sql, connection, transaction);
                command.Parameters.AddRange(parameters);
                command.ExecuteNonQuery();
            }

            transaction.Commit();
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

    private IEnumerable<(string Sql, NpgsqlParameter[] Parameters)> Statements()
    {
        if (_tenants.Count > 0)
        {
            yield return Tenants.Upsert(_tenants.All);
        }

        if (_tokens.Count > 0)
        {
            yield return Tokens.Insert(_tokens.All);
        }

        if (_tokenUpdates.Count > 0)
        {
            yield return (UpdateTokensSql, [Column<long>(_tokenUpdates.All, 0), Column<long>(_tokenUpdates.All, 1), Column<long>(_tokenUpdates.All, 2)]);
        }

        if (_idempotencyKeys.Count > 0)
        {
            yield return IdempotencyKeys.Insert(_idempotencyKeys.All);
        }

        if (_deletedNodes.Count > 0)
        {
            yield return ("DELETE FROM nodes WHERE name = ANY($1)", [new NpgsqlParameter { Value = _deletedNodes.ToArray() }]);
        }

        if (_nodes.Count > 0)
        {
            yield return Nodes.Upsert(_nodes.All);
        }

        if (_jobs.Count > 0)
        {
            yield return Jobs.Upsert(_jobs.All);
        }

        if (_tasks.Count > 0)
        {
            yield return Tasks.Upsert(_tasks.All);
        }

        if (_events.Count > 0)
        {
            yield return (InsertEventsSql, [Column<long>(_events, 0), Column<long>(_events, 1), TextColumn(_events, 2), TextColumn(_events, 3)]);
        }
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

    /// <summary>A table's columns (the first <c>keys</c> form its primary key) and its set-based statements.</summary>
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

        public (string, NpgsqlParameter[]) Insert(IReadOnlyList<object[]> rows) => (_insert, Parameters(rows));

        public (string, NpgsqlParameter[]) Upsert(IReadOnlyList<object[]> rows) => (_upsert, Parameters(rows));

        private NpgsqlParameter[] Parameters(IReadOnlyList<object[]> rows) => [.. _columns.Select((c, i) => c.Type switch
        {
            "bigint" => Column<long>(rows, i),
            "integer" => Column<int>(rows, i),
            "boolean" => Column<bool>(rows, i),
            "double precision" => Column<double>(rows, i),
            _ => TextColumn(rows, i),
        })];
    }
}
