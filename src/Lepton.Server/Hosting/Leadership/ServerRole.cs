namespace Lepton.Server.Hosting.Leadership;

/// <summary>What a server is doing in a group of servers sharing one PostgreSQL store (as <c>/healthz</c> reports it).</summary>
public enum ServerRole
{
    /// <summary>Holds the lease: runs the scheduler and commits every write.</summary>
    Leader,

    /// <summary>Serves reads from the store and forwards writes to the leader.</summary>
    Follower,

    /// <summary>Cannot reach the store: neither leads nor serves fresh reads.</summary>
    Unhealthy,
}
