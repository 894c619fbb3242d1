using Lepton.Client.Contracts;
using Lepton.Core.Placement;
using Lepton.Core.Queueing;
using Lepton.Server.Apis;
using Lepton.Server.Insights;
using Lepton.Server.Logs;
using Lepton.Server.Model;
using Lepton.Server.Persistence;
using Lepton.Server.Reclaim;
using Lepton.Server.Scheduling;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Lepton.Server;

/// <summary>Builds and runs the Lepton control-plane server, as <c>lepton serve</c> does or in-process (for <c>lepton up</c> and tests).</summary>
public static class LeptonServer
{
    /// <summary>Name of the file in the data directory that holds the first admin token.</summary>
    public const string AdminTokenFile = "admin-token";

    /// <summary>Builds the web application: store, control plane, scheduling loop, API. Call <c>StartAsync</c> or <c>RunAsync</c> on it.</summary>
    public static WebApplication BuildApp(LeptonServerOptions options, string[]? args = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Directory.CreateDirectory(options.DataDir);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = args ?? [],
            ContentRootPath = AppContext.BaseDirectory,
            WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot"),
        });
        builder.WebHost.UseUrls(options.Urls);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.SetMinimumLevel(options.LogLevel);
        // One line per HTTP request (agents heartbeat every few seconds) drowns the scheduler's own messages.
        builder.Logging.AddFilter("Microsoft.AspNetCore", Microsoft.Extensions.Logging.LogLevel.Warning);
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, LeptonJsonContext.Default));
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
        builder.Services.AddOpenApi();

        var policy = PolicyRegistry.Get(options.Policy ?? LeptonServerOptions.DefaultPolicy);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(sp => new ControlPlane(
            new SqliteJobStore(Path.Combine(options.DataDir, "lepton.db")), TimeProvider.System,
            sp.GetRequiredService<ILoggerFactory>().CreateLogger<ControlPlane>()));
        builder.Services.AddSingleton(sp => new JobOperations(sp.GetRequiredService<ControlPlane>()));
        builder.Services.AddSingleton(sp => new NodeOperations(sp.GetRequiredService<ControlPlane>(), options.HeartbeatInterval, options.HeartbeatTimeout));
        MetricsApi.AddMetrics(builder.Services, new SchedulingMetrics());
        builder.Services.AddSingleton(new QueuePlanner(policy, new PlacementOptions()));
        builder.Services.AddSingleton(sp => new SchedulerLoop(sp.GetRequiredService<ControlPlane>(), sp.GetRequiredService<NodeOperations>(),
            sp.GetRequiredService<QueuePlanner>(), sp.GetRequiredService<SchedulingMetrics>(), options.SchedulerTick,
            sp.GetRequiredService<ILogger<SchedulerLoop>>()));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SchedulerLoop>());
        builder.Services.AddSingleton(sp => new JobExplainer(sp.GetRequiredService<ControlPlane>()));
        builder.Services.AddSingleton(sp => new UtilizationRecorder(sp.GetRequiredService<ControlPlane>(), sp.GetRequiredService<NodeOperations>()));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<UtilizationRecorder>());
        builder.Services.AddSingleton(new JobLogStore(options.DataDir));
        builder.Services.AddSingleton(sp => new ReclaimTracker(sp.GetRequiredService<ControlPlane>(), options.ReclaimAfter));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ReclaimTracker>());

        var app = builder.Build();
        var plane = app.Services.GetRequiredService<ControlPlane>();
        EnsureAdminToken(plane, options);

        app.UseExceptionHandler();
        app.UseStatusCodePages();
        JsonBody.UseJsonWhenUntyped(app);
        if (Directory.Exists(builder.Environment.WebRootPath))
        {
            app.UseDefaultFiles();
            app.UseStaticFiles();
        }

        // Routing after the middleware above: a body sent without a Content-Type must be typed before endpoints are matched.
        app.UseRouting();

        app.MapOpenApi();
        app.MapGet("/healthz", () => Results.Text("ok")).ExcludeFromDescription();
        MetricsApi.Map(app, plane, app.Services.GetRequiredService<SchedulingMetrics>(), app.Services.GetRequiredService<ReclaimTracker>());
        var api = app.MapGroup("/api/v1");
        var jobs = app.Services.GetRequiredService<JobOperations>();
        JobApi.Map(api, plane, jobs);
        NodeApi.Map(api, plane, app.Services.GetRequiredService<NodeOperations>(), jobs);
        AdminApi.Map(api, plane);
        WhoAmIApi.Map(api, plane);
        InsightsApi.Map(api, plane, app.Services.GetRequiredService<JobExplainer>(), app.Services.GetRequiredService<UtilizationRecorder>());
        JobLogEndpoints.Map(api, plane, jobs, app.Services.GetRequiredService<JobLogStore>());
        ReclaimableNodeEndpoints.Map(api, plane, app.Services.GetRequiredService<ReclaimTracker>());
        app.Lifetime.ApplicationStopped.Register(plane.Dispose);
        return app;
    }

    /// <summary>Runs a server until <paramref name="cancellationToken"/> fires or the process is asked to stop.</summary>
    public static async Task RunAsync(LeptonServerOptions options, CancellationToken cancellationToken = default)
    {
        await using var app = BuildApp(options);
        await app.RunAsync(cancellationToken);
    }

    /// <summary>The addresses a started app listens on (resolves port 0 to the real port).</summary>
    public static IReadOnlyList<string> Addresses(WebApplication app) => [.. app.Urls];

    private static void EnsureAdminToken(ControlPlane plane, LeptonServerOptions options)
    {
        lock (plane.Gate)
        {
            if (plane.TokensByHash.Values.Any(t => t.Kind == TokenKind.Admin))
            {
                return;
            }
        }

        var token = plane.CreateTokenAsync(TokenKind.Admin, null, "created on first start").GetAwaiter().GetResult();
        var path = Path.Combine(options.DataDir, AdminTokenFile);
        var fileOptions = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var writer = new StreamWriter(path, fileOptions))
        {
            writer.WriteLine(token.Token);
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        options.Announce?.WriteLine($"admin token (shown once, also saved to {path}): {token.Token}");
    }
}
