using System.Diagnostics;
using Lepton.Server.Model;
using Lepton.Server.Persistence;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Lepton.Server.Hosting.Leadership;

/// <summary>Elects one leader among the servers that share a PostgreSQL store, with a lease row and a fencing epoch.</summary>
/// <remarks>
/// <para>The single row of <c>lepton_leader</c> holds the epoch, the holder, its URL and when its lease runs out (by the
/// database's clock, so servers' clocks do not matter). A follower whose lease has run out bumps the epoch and becomes
/// leader; the leader renews every <see cref="Tick"/>. Every write transaction of the store runs <c>lepton_fence(epoch)</c>
/// first (see <see cref="PostgresJobStore"/>), so a leader that was paused past its lease commits nothing once another
/// server bumped the epoch: the epoch is the fencing token.</para>
/// <para>Besides, the leader stops acting as one on its own clock: <see cref="IsLeader"/> turns false at the moment its
/// last successful renewal, counted from before it was sent, plus 80% of the lease, has passed. A process resumed after
/// SIGSTOP therefore forwards requests instead of answering them from a model that may be stale, before its loop runs.</para>
/// <para>On becoming leader the model is reloaded from the store with every node given a fresh heartbeat timeout (the
/// agents were talking to the old leader), so no node's work is failed over just because the leader changed.</para>
/// </remarks>
internal sealed class LeaderElection : BackgroundService
{
    private readonly PostgresJobStore _store;
    private readonly ControlPlane _plane;
    private readonly Func<string?> _url;
    private readonly ILogger _log;
    private long _validUntil;
    private long _seenWrites = -1;
    private long _seenEpoch = -1;
    private volatile string? _leaderUrl;
    private volatile string? _failure;
    private volatile bool _leading;

    /// <param name="store">The shared store.</param>
    /// <param name="plane">The model to reload on promotion and, as a follower, whenever the store changed.</param>
    /// <param name="url">This server's URL for the others (null until it listens).</param>
    /// <param name="lease">Lease length.</param>
    /// <param name="log">Role changes.</param>
    public LeaderElection(PostgresJobStore store, ControlPlane plane, Func<string?> url, TimeSpan lease, ILogger log)
    {
        _store = store;
        _plane = plane;
        _url = url;
        _log = log;
        Lease = lease;
        Tick = TimeSpan.FromTicks(Math.Max(lease.Ticks / 5, TimeSpan.FromMilliseconds(100).Ticks));
    }

    /// <summary>A name for this process in the leader row.</summary>
    public string Holder { get; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Lease length.</summary>
    public TimeSpan Lease { get; }

    /// <summary>How often the leader renews and a follower looks for changes.</summary>
    public TimeSpan Tick { get; }

    /// <summary>Whether this server may act as leader right now (holds a lease that its own clock says is still valid).</summary>
    public bool IsLeader => _leading && Stopwatch.GetTimestamp() < Interlocked.Read(ref _validUntil);

    /// <summary>The epoch this server leads under (0 when it does not).</summary>
    public long Epoch => _store.FencingEpoch;

    /// <summary>The leader's URL as the leader row says (this server's own when it leads), or null when none is known.</summary>
    public string? LeaderUrl => IsLeader ? _url() : _leaderUrl;

    /// <summary>Whether the leader row names this process (its lease may be lapsing while it renews).</summary>
    public bool RowIsMine { get; private set; }

    /// <summary>Why the store cannot be reached, or null.</summary>
    public string? Failure => _failure;

    /// <summary>The role for <c>/healthz</c>.</summary>
    public ServerRole Role => IsLeader ? ServerRole.Leader : _failure is null ? ServerRole.Follower : ServerRole.Unhealthy;

    /// <summary>One round: renew (leader) or look for changes and a free lease (follower). Used at start and by the loop.</summary>
    public void RunOnce()
    {
        try
        {
            if (_leading)
            {
                Renew();
            }
            else
            {
                Follow();
            }

            _failure = null;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException or StoreWriteException)
        {
            if (_failure is null)
            {
                _log.LogError("leader election: the store is unreachable: {Error}", e.Message);
            }

            _failure = e.Message;
            if (_leading && !IsLeader)
            {
                StepDown("could not renew the lease in time");
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Tick);
        do
        {
            RunOnce();
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (!_leading)
        {
            return;
        }

        // A clean stop hands over at once instead of making the others wait out the lease.
        try
        {
            using var connection = _store.OpenConnection();
            using var release = new NpgsqlCommand("UPDATE lepton_leader SET expires_at = '-infinity' WHERE id = 1 AND epoch = $1", connection);
            release.Parameters.Add(new NpgsqlParameter { Value = _store.FencingEpoch });
            release.ExecuteNonQuery();
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            _log.LogWarning("could not release the leader lease ({Error}); another server takes over when it runs out", e.Message);
        }

        _store.FencingEpoch = 0;
        _leading = false;
    }

    private void Renew()
    {
        var sent = Stopwatch.GetTimestamp();
        using var connection = _store.OpenConnection();
        using var renew = new NpgsqlCommand("""
            UPDATE lepton_leader SET expires_at = clock_timestamp() + make_interval(secs => $2), url = COALESCE($3, url)
            WHERE id = 1 AND epoch = $1
            """, connection);
        renew.Parameters.Add(new NpgsqlParameter { Value = _store.FencingEpoch });
        renew.Parameters.Add(new NpgsqlParameter { Value = Lease.TotalSeconds });
        renew.Parameters.Add(new NpgsqlParameter { Value = (object?)_url() ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        if (renew.ExecuteNonQuery() == 1)
        {
            Interlocked.Exchange(ref _validUntil, sent + (long)(Lease.TotalSeconds * 0.8 * Stopwatch.Frequency));
        }
        else
        {
            StepDown("another server took over");
        }
    }

    private void Follow()
    {
        using var connection = _store.OpenConnection();
        using (var read = new NpgsqlCommand("SELECT epoch, holder, url, expires_at < clock_timestamp(), writes FROM lepton_leader WHERE id = 1", connection))
        using (var reader = read.ExecuteReader())
        {
            reader.Read();
            var epoch = reader.GetInt64(0);
            var holder = reader.IsDBNull(1) ? null : reader.GetString(1);
            var url = reader.IsDBNull(2) ? null : reader.GetString(2);
            var expired = reader.GetBoolean(3);
            var writes = reader.GetInt64(4);
            RowIsMine = holder == Holder;
            if (!expired)
            {
                _leaderUrl = url;
                if (epoch != _seenEpoch || writes != _seenWrites)
                {
                    // Serve reads as of the store: reload only when something was committed since the last look.
                    reader.Close();
                    _plane.ReloadFromStore(freshNodes: false);
                    (_seenEpoch, _seenWrites) = (epoch, writes);
                }

                return;
            }
        }

        var sent = Stopwatch.GetTimestamp();
        using var acquire = new NpgsqlCommand("""
            UPDATE lepton_leader SET epoch = epoch + 1, holder = $1, url = $2, expires_at = clock_timestamp() + make_interval(secs => $3)
            WHERE id = 1 AND expires_at < clock_timestamp() RETURNING epoch
            """, connection);
        acquire.Parameters.Add(new NpgsqlParameter { Value = Holder });
        acquire.Parameters.Add(new NpgsqlParameter { Value = (object?)_url() ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        acquire.Parameters.Add(new NpgsqlParameter { Value = Lease.TotalSeconds });
        if (acquire.ExecuteScalar() is not long won)
        {
            return;
        }

        // Order matters: the epoch is ours before the model is read, so every commit of the previous leader is either in
        // what we load or refused by the fence.
        _store.FencingEpoch = won;
        _plane.ReloadFromStore(freshNodes: true);
        Interlocked.Exchange(ref _validUntil, sent + (long)(Lease.TotalSeconds * 0.8 * Stopwatch.Frequency));
        _leading = true;
        RowIsMine = true;
        _leaderUrl = _url();
        _log.LogWarning("this server is now the leader (epoch {Epoch})", won);
        _plane.RequestCycle();
    }

    private void StepDown(string why)
    {
        _leading = false;
        _store.FencingEpoch = 0;
        RowIsMine = false;
        (_seenEpoch, _seenWrites) = (-1, -1);
        _log.LogWarning("this server is no longer the leader: {Why}", why);
    }
}
