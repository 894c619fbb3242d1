using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Lepton.Client.Contracts;
using Lepton.Core.Cluster;
using Lepton.Server.Model;

namespace Lepton.Server.Persistence;

/// <summary>The row format both stores share: how <see cref="StoreContents"/> is read back from the tables, and the
/// conversions of times, JSON columns, GPU lists and nulls that both write with.</summary>
/// <remarks>SQLite and PostgreSQL keep the same tables and columns (PostgreSQL's migrations mirror SQLite's), so one reader
/// over <see cref="DbDataReader"/> serves both; a store only supplies how it runs a query (its connection, its snapshot).</remarks>
internal static class StoreRows
{
    /// <summary>Reads every table through <paramref name="query"/> (which runs one SELECT and returns its reader).</summary>
    public static StoreContents Read(Func<string, DbDataReader> query)
    {
        var tenants = new List<Tenant>();
        using (var reader = query("SELECT name, quota, weight, created_at, guarantee, borrowing_limit FROM tenants"))
        {
            while (reader.Read())
            {
                tenants.Add(new Tenant
                {
                    Name = reader.GetString(0),
                    Quota = reader.IsDBNull(1) ? null : FromJson<ResourceAmounts>(reader.GetString(1)),
                    FairShareWeight = reader.GetDouble(2),
                    CreatedAt = FromMs(reader.GetInt64(3)),
                    Guarantee = reader.IsDBNull(4) ? null : FromJson<ResourceAmounts>(reader.GetString(4)),
                    BorrowingLimit = reader.IsDBNull(5) ? null : FromJson<ResourceAmounts>(reader.GetString(5)),
                });
            }
        }

        var tokens = new List<ApiToken>();
        using (var reader = query("SELECT id, hash, kind, tenant, description, created_at, node, last_used_at, revoked_at FROM tokens"))
        {
            while (reader.Read())
            {
                tokens.Add(new ApiToken
                {
                    Id = reader.GetInt64(0),
                    Hash = reader.GetString(1),
                    Kind = Enum.Parse<TokenKind>(reader.GetString(2)),
                    Tenant = reader.IsDBNull(3) ? null : reader.GetString(3),
                    Description = reader.IsDBNull(4) ? null : reader.GetString(4),
                    CreatedAt = FromMs(reader.GetInt64(5)),
                    Node = reader.IsDBNull(6) ? null : reader.GetString(6),
                    LastUsedAt = reader.IsDBNull(7) ? null : FromMs(reader.GetInt64(7)),
                    PersistedLastUsedAt = reader.IsDBNull(7) ? null : FromMs(reader.GetInt64(7)),
                    RevokedAt = reader.IsDBNull(8) ? null : FromMs(reader.GetInt64(8)),
                });
            }
        }

        var keys = new List<IdempotencyRecord>();
        using (var reader = query("SELECT tenant, key, request_hash, job_id, created_at FROM idempotency_keys"))
        {
            while (reader.Read())
            {
                keys.Add(new IdempotencyRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), FromMs(reader.GetInt64(4))));
            }
        }

        var nodes = new List<Node>();
        using (var reader = query("SELECT name, registration, state, registered_at FROM nodes"))
        {
            while (reader.Read())
            {
                nodes.Add(new Node
                {
                    Name = reader.GetString(0),
                    Registration = FromJson<NodeRegistration>(reader.GetString(1)),
                    State = Enum.Parse<NodeState>(reader.GetString(2)),
                    RegisteredAt = FromMs(reader.GetInt64(3)),
                });
            }
        }

        var jobs = new Dictionary<long, Job>();
        using (var reader = query("""
            SELECT id, tenant, name, priority, preemptible, replicas, resources, command, env, max_retries, state, reason, retries,
                   exit_code, created_at, value FROM jobs ORDER BY id
            """))
        {
            while (reader.Read())
            {
                var job = new Job
                {
                    Id = reader.GetInt64(0),
                    Tenant = reader.GetString(1),
                    Name = reader.GetString(2),
                    Priority = reader.GetInt32(3),
                    Preemptible = reader.GetBoolean(4),
                    Replicas = reader.GetInt32(5),
                    Resources = FromJson<JobResources>(reader.GetString(6)),
                    Command = FromJson<List<string>>(reader.GetString(7)),
                    Env = FromJson<Dictionary<string, string>>(reader.GetString(8)),
                    MaxRetries = reader.GetInt32(9),
                    State = Enum.Parse<JobState>(reader.GetString(10)),
                    Reason = reader.IsDBNull(11) ? null : FromJson<PendingReasonView>(reader.GetString(11)),
                    Retries = reader.GetInt32(12),
                    ExitCode = reader.IsDBNull(13) ? null : reader.GetInt32(13),
                    CreatedAt = FromMs(reader.GetInt64(14)),
                    Value = reader.IsDBNull(15) ? null : reader.GetDouble(15),
                };
                jobs.Add(job.Id, job);
            }
        }

        using (var reader = query("SELECT id, job_id, replica, state, node, gpus, attempt, exit_code FROM tasks ORDER BY job_id, replica"))
        {
            while (reader.Read())
            {
                var task = new JobTask
                {
                    Id = reader.GetInt64(0),
                    JobId = reader.GetInt64(1),
                    Replica = reader.GetInt32(2),
                    State = Enum.Parse<TaskState>(reader.GetString(3)),
                    Node = reader.IsDBNull(4) ? null : reader.GetString(4),
                    Gpus = ParseGpus(reader.GetString(5)),
                    Attempt = reader.GetInt32(6),
                    ExitCode = reader.IsDBNull(7) ? null : reader.GetInt32(7),
                };
                if (jobs.TryGetValue(task.JobId, out var job))
                {
                    job.Tasks.Add(task);
                }
            }
        }

        using (var reader = query("SELECT job_id, time, type, message FROM events ORDER BY id"))
        {
            while (reader.Read())
            {
                if (jobs.TryGetValue(reader.GetInt64(0), out var job))
                {
                    job.Events.Add(new JobEventView { Time = FromMs(reader.GetInt64(1)), Type = reader.GetString(2), Message = reader.GetString(3) });
                }
            }
        }

        return new StoreContents(tenants, tokens, nodes, [.. jobs.Values]) { IdempotencyKeys = keys };
    }

    public static long ToMs(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    public static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    public static string ToJson<T>(T value) => JsonSerializer.Serialize(value, (JsonTypeInfo<T>)LeptonJsonContext.Default.GetTypeInfo(typeof(T))!);

    public static T FromJson<T>(string json) => JsonSerializer.Deserialize(json, (JsonTypeInfo<T>)LeptonJsonContext.Default.GetTypeInfo(typeof(T))!)!;

    public static int[] ParseGpus(string text) =>
        text.Length == 0 ? [] : Array.ConvertAll(text.Split(','), s => int.Parse(s, CultureInfo.InvariantCulture));

    public static object Nullable<T>(T? value) where T : struct => value.HasValue ? value.Value : DBNull.Value;

    public static object Nullable(string? value) => value is null ? DBNull.Value : value;

    public static object NullableMs(DateTimeOffset? value) => value is { } v ? ToMs(v) : DBNull.Value;
}
