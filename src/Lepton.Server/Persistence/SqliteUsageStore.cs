using Lepton.Server.Energy;
using Microsoft.Data.Sqlite;

namespace Lepton.Server.Persistence;

/// <summary>Usage accounting in the server's SQLite file (tables <c>usage</c> and <c>node_power</c>, created by
/// <see cref="SqliteJobStore"/>'s migrations), on a connection of its own.</summary>
/// <remarks>Open it after the job store (which migrates the file). WAL mode lets it write beside the job store's writer;
/// the busy timeout makes the two take turns. Calls are serialised by a lock.</remarks>
internal sealed class SqliteUsageStore : IUsageStore
{
    private readonly SqliteConnection _connection;
    private readonly Lock _gate = new();

    /// <summary>Opens the database file at <paramref name="path"/> (it must exist and be migrated).</summary>
    public SqliteUsageStore(string path)
    {
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWrite,
            Pooling = false,
        }.ToString());
        _connection.Open();
        using var pragma = _connection.CreateCommand();
        pragma.CommandText = "PRAGMA busy_timeout=5000; PRAGMA synchronous=NORMAL;";
        pragma.ExecuteNonQuery();
    }

    /// <inheritdoc/>
    public void Add(IReadOnlyCollection<UsageRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            return;
        }

        lock (_gate)
        {
            using var transaction = _connection.BeginTransaction();
            using var command = _connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                INSERT INTO usage (bucket, node, job_id, tenant, job_name, gpu_model, seconds, gpu_seconds, cpu_seconds, energy_j,
                    measured_energy_j, cost) VALUES ($b, $n, $j, $t, $jn, $g, $s, $gs, $cs, $e, $me, $c)
                ON CONFLICT (bucket, node, job_id) DO UPDATE SET seconds = seconds + excluded.seconds,
                    gpu_seconds = gpu_seconds + excluded.gpu_seconds, cpu_seconds = cpu_seconds + excluded.cpu_seconds,
                    energy_j = energy_j + excluded.energy_j, measured_energy_j = measured_energy_j + excluded.measured_energy_j,
                    cost = cost + excluded.cost
                """;
            string[] names = ["$b", "$n", "$j", "$t", "$jn", "$g", "$s", "$gs", "$cs", "$e", "$me", "$c"];
            foreach (var name in names)
            {
                command.Parameters.Add(new SqliteParameter { ParameterName = name });
            }

            command.Prepare();
            foreach (var r in rows)
            {
                object[] values = [r.Bucket, r.Node, r.JobId, r.Tenant, r.JobName, r.GpuModel, r.Seconds, r.GpuSeconds, r.CpuSeconds,
                    r.EnergyJoules, r.MeasuredEnergyJoules, r.Cost];
                for (var i = 0; i < values.Length; i++)
                {
                    command.Parameters[i].Value = values[i];
                }

                command.ExecuteNonQuery();
            }

            transaction.Commit();
        }
    }

    /// <inheritdoc/>
    public List<UsageRow> Query(long from, long to)
    {
        var rows = new List<UsageRow>();
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = """
                SELECT bucket, node, job_id, tenant, job_name, gpu_model, seconds, gpu_seconds, cpu_seconds, energy_j, measured_energy_j, cost
                FROM usage WHERE bucket >= $from AND bucket < $to ORDER BY bucket, node, job_id
                """;
            command.Parameters.AddWithValue("$from", from);
            command.Parameters.AddWithValue("$to", to);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                rows.Add(new UsageRow(reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3), reader.GetString(4),
                    reader.GetString(5), reader.GetDouble(6), reader.GetDouble(7), reader.GetDouble(8), reader.GetDouble(9),
                    reader.GetDouble(10), reader.GetDouble(11)));
            }
        }

        return rows;
    }

    /// <inheritdoc/>
    public void SavePowerState(string node, string state, DateTimeOffset since)
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = state == "On"
                ? "DELETE FROM node_power WHERE name = $n"
                : "INSERT OR REPLACE INTO node_power (name, state, since) VALUES ($n, $s, $t)";
            command.Parameters.AddWithValue("$n", node);
            command.Parameters.AddWithValue("$s", state);
            command.Parameters.AddWithValue("$t", since.ToUnixTimeMilliseconds());
            command.ExecuteNonQuery();
        }
    }

    /// <inheritdoc/>
    public List<(string Node, string State, DateTimeOffset Since)> LoadPowerStates()
    {
        var states = new List<(string, string, DateTimeOffset)>();
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT name, state, since FROM node_power ORDER BY name";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                states.Add((reader.GetString(0), reader.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2))));
            }
        }

        return states;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_gate)
        {
            _connection.Dispose();
        }
    }
}
