namespace Lepton.Server;

/// <summary>How to run a Lepton server: where its data lives, where it listens, which placement policy it uses.</summary>
public sealed record LeptonServerOptions
{
    /// <summary>Directory for the SQLite database and the admin token; created if missing.</summary>
    public required string DataDir { get; init; }

    /// <summary>Listen URLs (semicolon-separated), e.g. <c>http://127.0.0.1:8080</c>; port 0 picks a free port.</summary>
    public string Urls { get; init; } = "http://127.0.0.1:8080";

    /// <summary>The policy used when <see cref="Policy"/> is null: best fit packs nodes, leaving whole nodes free for big gangs.</summary>
    public const string DefaultPolicy = "bestfit";

    /// <summary>Placement policy name (see <c>lepton policies</c>); null for the core's default.</summary>
    public string? Policy { get; init; }

    /// <summary>Queue discipline of the planner (<c>fifo</c>, <c>priority</c>, <c>priority-backfill</c>, <c>easy</c>); null
    /// for the default, priority with greedy backfill.</summary>
    public string? Queue { get; init; }

    /// <summary>Fair share with guarantees, borrowing and reclaim between tenants instead of hard quotas.</summary>
    public bool FairShare { get; init; }

    /// <summary>Batch planning mode: when set, each scheduling cycle places its pending jobs as one batch with this placer
    /// (<c>lepton serve --planner milp</c>), and the normal planner handles the jobs it leaves out; null plans job by job.</summary>
    public Lepton.Core.Placement.Batch.IBatchPlacer? BatchPlacer { get; init; }

    /// <summary>How often agents should heartbeat.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>A node silent for longer than this is marked Down and its work requeued.</summary>
    public TimeSpan HeartbeatTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The scheduler runs at least this often, even without changes.</summary>
    public TimeSpan SchedulerTick { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A node that has held no task for this long is reported as reclaimable (API and metrics).</summary>
    public TimeSpan ReclaimAfter { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Where the one-time admin token announcement goes; null for none.</summary>
    public TextWriter? Announce { get; init; }

    /// <summary>Minimum log level for the server's own console log.</summary>
    public Microsoft.Extensions.Logging.LogLevel LogLevel { get; init; } = Microsoft.Extensions.Logging.LogLevel.Warning;

    /// <summary>Default of <see cref="LogCapPerTask"/> in MiB.</summary>
    public const long DefaultLogCapMiB = 64;

    /// <summary>Most bytes of output the server keeps per task attempt; the rest is dropped after a marker line.</summary>
    public long LogCapPerTask { get; init; } = DefaultLogCapMiB * 1024 * 1024;

    /// <summary>Logs of jobs that finished longer ago than this are deleted.</summary>
    public TimeSpan LogRetention { get; init; } = TimeSpan.FromDays(7);

    /// <summary>Price per GPU-hour by GPU model for usage accounting (<c>--gpu-price A100=2.5</c>); a model not listed is
    /// charged at its node's price per hour.</summary>
    public IReadOnlyDictionary<string, double> GpuPricePerHour { get; init; } = new Dictionary<string, double>(StringComparer.Ordinal);

    /// <summary>How often node power is integrated into energy and written to the usage accounting.</summary>
    public TimeSpan EnergyInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Switch idle nodes off and wake them for queued work with the admin's commands; null (the default) never does.</summary>
    public Power.PowerControllerOptions? Power { get; init; }

    /// <summary>Issue a new admin token at start (written to <c>admin-token</c> in the data directory), e.g. after the file was lost.</summary>
    public bool ResetAdminToken { get; init; }

    /// <summary>Where the state lives: null for the embedded SQLite file in <see cref="DataDir"/>, or a PostgreSQL URL
    /// (<c>postgres://USER@HOST:PORT/DB</c>) shared by any number of servers, one of which leads.</summary>
    public string? Store { get; init; }

    /// <summary>The URL other servers use to reach this one (forwarded writes); null for the first listen URL.</summary>
    public string? AdvertiseUrl { get; init; }

    /// <summary>How long a leader's lease on a PostgreSQL store lasts without renewal; a follower takes over after it runs out.</summary>
    public TimeSpan LeaderLease { get; init; } = TimeSpan.FromSeconds(5);
}
