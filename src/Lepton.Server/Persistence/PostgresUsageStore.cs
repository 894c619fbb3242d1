using Lepton.Server.Energy;
using Npgsql;

namespace Lepton.Server.Persistence;

/// <summary>Usage accounting in the shared PostgreSQL database (tables <c>usage</c> and <c>node_power</c>, created by
/// <see cref="PostgresJobStore"/>'s migrations), so that every server of an HA setup reports the same figures.</summary>
/// <remarks>Only the leader accounts (<see cref="EnergyAccountant"/> skips its samples on a follower), so rows are never
/// counted twice; the upsert sums a row into an existing key as <see cref="SqliteUsageStore"/> does.</remarks>
internal sealed class PostgresUsageStore(PostgresJobStore store) : IUsageStore
{
    /// <inheritdoc/>
    public void Add(IReadOnlyCollection<UsageRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            return;
        }

        // One statement (rows summed per key first, since an upsert may not touch a row twice): a synchronous NpgsqlBatch
        // would write on the thread pool and can hang when that is starved (see PostgresTransaction).
        using var connection = store.OpenConnection();
        using var command = new NpgsqlCommand("""
            INSERT INTO usage (bucket, node, job_id, tenant, job_name, gpu_model, seconds, gpu_seconds, cpu_seconds, energy_j,
                measured_energy_j, cost)
            SELECT bucket, node, job_id, min(tenant), min(job_name), min(gpu_model), sum(seconds), sum(gpu_seconds), sum(cpu_seconds),
                sum(energy_j), sum(measured_energy_j), sum(cost)
            FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::float8[], $8::float8[],
                $9::float8[], $10::float8[], $11::float8[], $12::float8[])
                AS r(bucket, node, job_id, tenant, job_name, gpu_model, seconds, gpu_seconds, cpu_seconds, energy_j, measured_energy_j, cost)
            GROUP BY bucket, node, job_id
            ON CONFLICT (bucket, node, job_id) DO UPDATE SET seconds = usage.seconds + EXCLUDED.seconds,
                gpu_seconds = usage.gpu_seconds + EXCLUDED.gpu_seconds, cpu_seconds = usage.cpu_seconds + EXCLUDED.cpu_seconds,
                energy_j = usage.energy_j + EXCLUDED.energy_j, measured_energy_j = usage.measured_energy_j + EXCLUDED.measured_energy_j,
                cost = usage.cost + EXCLUDED.cost
            """, connection);
        object[] columns =
        [
            rows.Select(r => r.Bucket).ToArray(), rows.Select(r => r.Node).ToArray(), rows.Select(r => r.JobId).ToArray(),
            rows.Select(r => r.Tenant).ToArray(), rows.Select(r => r.JobName).ToArray(), rows.Select(r => r.GpuModel).ToArray(),
            rows.Select(r => r.Seconds).ToArray(), rows.Select(r => r.GpuSeconds).ToArray(), rows.Select(r => r.CpuSeconds).ToArray(),
            rows.Select(r => r.EnergyJoules).ToArray(), rows.Select(r => r.MeasuredEnergyJoules).ToArray(), rows.Select(r => r.Cost).ToArray(),
        ];
        foreach (var column in columns)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = column });
        }

        command.ExecuteNonQuery();
    }

    /// <inheritdoc/>
    public List<UsageRow> Query(long from, long to)
    {
        using var connection = store.OpenConnection();
        using var command = new NpgsqlCommand("""
            SELECT bucket, node, job_id, tenant, job_name, gpu_model, seconds, gpu_seconds, cpu_seconds, energy_j, measured_energy_j, cost
            FROM usage WHERE bucket >= $1 AND bucket < $2 ORDER BY bucket, node, job_id
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = from });
        command.Parameters.Add(new NpgsqlParameter { Value = to });
        var rows = new List<UsageRow>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            rows.Add(new UsageRow(reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3), reader.GetString(4),
                reader.GetString(5), reader.GetDouble(6), reader.GetDouble(7), reader.GetDouble(8), reader.GetDouble(9),
                reader.GetDouble(10), reader.GetDouble(11)));
        }

        return rows;
    }

    /// <inheritdoc/>
    public void SavePowerState(string node, string state, DateTimeOffset since)
    {
        using var connection = store.OpenConnection();
        using var command = state == "On"
            ? new NpgsqlCommand("DELETE FROM node_power WHERE name = $1", connection)
            : new NpgsqlCommand("""
                INSERT INTO node_power (name, state, since) VALUES ($1, $2, $3)
                ON CONFLICT (name) DO UPDATE SET state = EXCLUDED.state, since = EXCLUDED.since
                """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = node });
        if (state != "On")
        {
            command.Parameters.Add(new NpgsqlParameter { Value = state });
            command.Parameters.Add(new NpgsqlParameter { Value = since.ToUnixTimeMilliseconds() });
        }

        command.ExecuteNonQuery();
    }

    /// <inheritdoc/>
    public List<(string Node, string State, DateTimeOffset Since)> LoadPowerStates()
    {
        using var connection = store.OpenConnection();
        using var command = new NpgsqlCommand("SELECT name, state, since FROM node_power ORDER BY name", connection);
        var states = new List<(string, string, DateTimeOffset)>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            states.Add((reader.GetString(0), reader.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2))));
        }

        return states;
    }

    /// <inheritdoc/>
    /// <remarks>The connections belong to the job store's data source, which the job store disposes.</remarks>
    public void Dispose()
    {
    }
}
