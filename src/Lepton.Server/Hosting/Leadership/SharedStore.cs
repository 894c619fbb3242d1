using System.Globalization;
using Lepton.Client.Contracts;
using Lepton.Server.Model;
using Lepton.Server.Persistence;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Lepton.Server.Hosting.Leadership;

/// <summary>How <see cref="LeptonServer"/> runs on a PostgreSQL store shared with other servers: the store, the election,
/// the forwarding of writes and the role-aware <c>/healthz</c>.</summary>
internal static class SharedStore
{
    /// <summary>The PostgreSQL database <paramref name="options"/> names, or null for the embedded SQLite file.</summary>
    /// <exception cref="ServerStartException">The store is neither SQLite nor a valid PostgreSQL URL.</exception>
    public static PostgresLocation? Locate(LeptonServerOptions options)
    {
        var store = options.Store?.Trim();
        if (string.IsNullOrEmpty(store) || store.Equals("sqlite", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (!PostgresLocation.IsPostgresUrl(store))
        {
            throw new ServerStartException($"store '{PostgresLocation.Redact(store)}': use 'sqlite' (the default) or postgres://USER@HOST:PORT/DATABASE");
        }

        try
        {
            return PostgresLocation.Parse(store);
        }
        catch (ArgumentException e)
        {
            throw new ServerStartException($"store {e.Message}", e);
        }
    }

    /// <summary>Opens the store (the one instance the election shares with the control plane).</summary>
    public static PostgresJobStore Open(IServiceProvider services) => services.GetRequiredService<PostgresJobStore>();

    /// <summary>Registers the store, the election and the forwarder.</summary>
    public static void AddLeaderElection(IServiceCollection services, LeptonServerOptions options)
    {
        var location = Locate(options)!;
        services.AddSingleton(_ => new PostgresJobStore(location) { RequireLeadership = true });
        services.AddSingleton(sp => new LeaderElection(sp.GetRequiredService<PostgresJobStore>(), sp.GetRequiredService<ControlPlane>(),
            () => options.AdvertiseUrl ?? ListenUrl(sp), options.LeaderLease, sp.GetRequiredService<ILoggerFactory>().CreateLogger<LeaderElection>()));
        services.AddSingleton(sp => new LeaderForwarder(sp.GetRequiredService<LeaderElection>()));
    }

    /// <summary>Ties the control plane's writes to the election and runs one round; true when this server leads.</summary>
    public static bool StartLeading(WebApplication app)
    {
        var plane = app.Services.GetRequiredService<ControlPlane>();
        var election = app.Services.GetRequiredService<LeaderElection>();
        plane.IsLeader = () => election.IsLeader;
        election.RunOnce();
        return election.IsLeader;
    }

    /// <summary>Maps <c>/healthz</c> (200 for a leader or follower that reaches the store, 503 otherwise) and
    /// <c>/healthz/leader</c> (200 on the leader only).</summary>
    public static void MapHealth(WebApplication app, ControlPlane plane)
    {
        var election = app.Services.GetRequiredService<LeaderElection>();
        app.MapGet("/healthz", () => Health(election, plane, leaderOnly: false)).ExcludeFromDescription();
        app.MapGet("/healthz/leader", () => Health(election, plane, leaderOnly: true)).ExcludeFromDescription();
    }

    private static IResult Health(LeaderElection election, ControlPlane plane, bool leaderOnly)
    {
        var role = election.Role;
        var failure = election.Failure ?? (role == ServerRole.Leader ? plane.StoreFailure : null);
        var body = new Dictionary<string, string>
        {
            ["status"] = failure is null ? "ok" : "failing",
            ["role"] = role.ToString().ToLowerInvariant(),
            ["leader"] = election.LeaderUrl ?? "",
            ["epoch"] = election.Epoch.ToString(CultureInfo.InvariantCulture),
        };
        if (failure is not null)
        {
            body["store"] = failure;
        }

        var healthy = failure is null && role != ServerRole.Unhealthy && (!leaderOnly || role == ServerRole.Leader);
        return Results.Json(body, LeptonJsonContext.Default.DictionaryStringString, statusCode: healthy ? 200 : 503);
    }

    private static string? ListenUrl(IServiceProvider services)
    {
        var addresses = services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses;
        var first = addresses?.FirstOrDefault();
        // Before the server listens, port 0 is not an address anyone can use.
        return first is null || first.EndsWith(":0", StringComparison.Ordinal) ? null : first;
    }
}
