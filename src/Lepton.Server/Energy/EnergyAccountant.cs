using Lepton.Client.Contracts;
using Lepton.Server.Model;
using Lepton.Server.Persistence;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Lepton.Server.Energy;

/// <summary>Runs the <see cref="EnergyLedger"/> every few seconds and writes what it accounted to the <see cref="IUsageStore"/>;
/// answers usage reports and "power now".</summary>
/// <remarks>A write the store refuses (a full disk) is kept in memory and retried with the next one, so a passing failure
/// loses nothing; accounting itself never stops the server.</remarks>
internal sealed class EnergyAccountant(ControlPlane plane, EnergyLedger ledger, IUsageStore store, TimeSpan interval, ILogger<EnergyAccountant> log)
    : BackgroundService
{
    private readonly Lock _flush = new();

    /// <summary>The ledger (read under the model lock).</summary>
    public EnergyLedger Ledger => ledger;

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval, plane.Time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                SampleAndFlush();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            // What was accounted since the last tick is written before the server stops.
            SampleAndFlush();
        }
    }

    /// <summary>Accounts up to now and writes the rows; returns false (and keeps them) when the store refused.</summary>
    public bool SampleAndFlush()
    {
        // On a PostgreSQL store shared by several servers only the leader accounts: a follower's view of running tasks lags,
        // and two servers writing the same usage would count it twice.
        if (!plane.IsLeader())
        {
            return true;
        }

        lock (_flush)
        {
            List<UsageRow> rows;
            lock (plane.Gate)
            {
                ledger.Sample(plane, plane.Time.GetUtcNow());
                rows = ledger.TakePending();
            }

            try
            {
                store.Add(rows);
                return true;
            }
            catch (Exception e) when (e is System.Data.Common.DbException or IOException or InvalidOperationException)
            {
                log.LogWarning("usage accounting could not be written ({Error}); keeping {Rows} row(s) for the next try", e.Message, rows.Count);
                lock (plane.Gate)
                {
                    ledger.Restore(rows);
                }

                return false;
            }
        }
    }

    /// <summary>The usage report for [<paramref name="from"/>, <paramref name="to"/>), for all tenants or one.</summary>
    public UsageReport Report(DateTimeOffset from, DateTimeOffset to, string? tenant)
    {
        SampleAndFlush();
        var bucket = EnergyLedger.BucketSeconds;
        // A bucket counts when it starts in the period; round the start down so that the bucket holding it is included.
        var rows = store.Query(from.ToUnixTimeSeconds() / bucket * bucket, to.ToUnixTimeSeconds());
        // Rows the store refused are still in memory.
        lock (plane.Gate)
        {
            rows.AddRange(ledger.Pending().Where(r => r.Bucket >= from.ToUnixTimeSeconds() / bucket * bucket && r.Bucket < to.ToUnixTimeSeconds()));
        }

        if (tenant is not null)
        {
            rows.RemoveAll(r => r.Tenant != tenant);
        }

        Dictionary<long, double?> values;
        lock (plane.Gate)
        {
            values = rows.Select(r => r.JobId).Distinct().ToDictionary(id => id, id => plane.Jobs.TryGetValue(id, out var job) ? job.Value : null);
        }

        return UsageReportBuilder.Build(rows, id => values.GetValueOrDefault(id), from, to, includeNodes: tenant is null);
    }

    /// <summary>Power per node now, and energy and cost per tenant since the server started.</summary>
    public PowerNow Now(string? tenant)
    {
        lock (plane.Gate)
        {
            var nodes = tenant is null
                ? ledger.Power.OrderBy(p => p.Key, StringComparer.Ordinal)
                    .Select(p => new NodePowerLine { Node = p.Key, Watts = Math.Round(p.Value.Watts, 1), Source = p.Value.Measured ? "measured" : "estimated" })
                    .ToList()
                : [];
            return new PowerNow
            {
                TotalWatts = tenant is null ? Math.Round(ledger.Power.Values.Sum(p => p.Watts), 1) : 0,
                Nodes = nodes,
                Tenants = [.. ledger.TenantJoules.Keys.Union(ledger.TenantCost.Keys).Where(t => tenant is null || t == tenant).Order(StringComparer.Ordinal)
                    .Select(t => new UsageLine
                    {
                        Tenant = t,
                        EnergyKWh = ledger.TenantJoules.GetValueOrDefault(t) / 3_600_000,
                        Cost = ledger.TenantCost.GetValueOrDefault(t),
                    })],
            };
        }
    }
}
