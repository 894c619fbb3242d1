using Lepton.Client.Contracts;
using Lepton.Core.Placement;
using Lepton.Core.Queueing;
using Lepton.Server.Apis;
using Lepton.Server.Energy;
using Lepton.Server.Hosting;
using Lepton.Server.Hosting.Leadership;
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
        PrepareDataDir(options.DataDir);
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

        var postgres = SharedStore.Locate(options);
        var policy = PolicyRegistry.Get(options.Policy ?? LeptonServerOptions.DefaultPolicy);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(sp => new ControlPlane(
            postgres is null ? new SqliteJobStore(Path.Combine(options.DataDir, "lepton.db")) : SharedStore.Open(sp), TimeProvider.System,
            sp.GetRequiredService<ILoggerFactory>().CreateLogger<ControlPlane>()) { FairShare = options.FairShare });
        builder.Services.AddSingleton(sp => new JobOperations(sp.GetRequiredService<ControlPlane>()));
        builder.Services.AddSingleton(sp => new NodeOperations(sp.GetRequiredService<ControlPlane>(), options.HeartbeatInterval, options.HeartbeatTimeout));
        MetricsApi.AddMetrics(builder.Services, new SchedulingMetrics());
        var queue = options.Queue is null ? QueueDiscipline.Default
            : QueueDiscipline.TryParse(options.Queue, out var named) ? named
            : throw new ArgumentException($"unknown queue discipline '{options.Queue}'; valid: {string.Join(", ", QueueDiscipline.Names)}", nameof(options));
        builder.Services.AddSingleton(new QueuePlanner(policy, new PlacementOptions()) { Discipline = queue, BatchPlacer = options.BatchPlacer });
        builder.Services.AddSingleton(sp => new RuntimeHistory(sp.GetRequiredService<ControlPlane>()));
        builder.Services.AddSingleton(sp => new SchedulerLoop(sp.GetRequiredService<ControlPlane>(), sp.GetRequiredService<NodeOperations>(),
            sp.GetRequiredService<QueuePlanner>(), sp.GetRequiredService<SchedulingMetrics>(), options.SchedulerTick,
            sp.GetRequiredService<ILogger<SchedulerLoop>>()) { Runtimes = sp.GetRequiredService<RuntimeHistory>() });
        builder.Services.AddSingleton(sp => new ServerHealth(sp.GetRequiredService<IHostApplicationLifetime>().StopApplication));
        builder.Services.AddSingleton(sp => new JobExplainer(sp.GetRequiredService<ControlPlane>()));
        builder.Services.AddSingleton(sp => new JobEtaService(sp.GetRequiredService<ControlPlane>(), sp.GetRequiredService<JobExplainer>(), policy, queue,
            sp.GetRequiredService<RuntimeHistory>()));
        builder.Services.AddSingleton(sp => new UtilizationRecorder(sp.GetRequiredService<ControlPlane>(), sp.GetRequiredService<NodeOperations>()));
        builder.Services.AddSingleton(new JobLogStore(options.DataDir, options.LogCapPerTask));
        builder.Services.AddSingleton(sp => new LogRetention(sp.GetRequiredService<ControlPlane>(), sp.GetRequiredService<JobLogStore>(),
            options.LogRetention, sp.GetRequiredService<ILogger<LogRetention>>()));
        builder.Services.AddSingleton(sp => new ReclaimTracker(sp.GetRequiredService<ControlPlane>(), options.ReclaimAfter));
        AddEnergy(builder.Services, options);
        // Each background service runs under a supervisor: one that throws is logged and restarted instead of stopping the host.
        Supervise<SchedulerLoop>(builder.Services, "scheduler");
        Supervise<UtilizationRecorder>(builder.Services, "utilization-recorder");
        Supervise<ReclaimTracker>(builder.Services, "reclaim-tracker");
        Supervise<LogRetention>(builder.Services, "log-retention");
        Supervise<EnergyAccountant>(builder.Services, "energy-accountant");
        if (options.Power is { } power)
        {
            builder.Services.AddSingleton(sp => new Power.PowerController(sp.GetRequiredService<ControlPlane>(), sp.GetRequiredService<IUsageStore>(),
                power, policy, sp.GetRequiredService<ILogger<Power.PowerController>>()));
            Supervise<Power.PowerController>(builder.Services, "power-controller");
        }

        if (postgres is not null)
        {
            SharedStore.AddLeaderElection(builder.Services, options);
            Supervise<LeaderElection>(builder.Services, "leader-election");
        }

        var app = builder.Build();
        ControlPlane plane;
        try
        {
            plane = app.Services.GetRequiredService<ControlPlane>();
            if (postgres is null || SharedStore.StartLeading(app))
            {
                EnsureAdminToken(plane, options);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException && postgres is not null)
        {
            throw new ServerStartException($"cannot use the store {postgres.Display}: {FirstLine(e)}", e);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Whatever stops the store from opening or loading (a corrupt or foreign file, a full disk, a row this version
            // cannot read): one line for the operator, not a stack trace.
            throw new ServerStartException($"cannot use the data directory {options.DataDir}: {FirstLine(e)}", e);
        }

        var health = app.Services.GetRequiredService<ServerHealth>();
        _ = plane.Writer.ContinueWith(t => health.Fatal($"the store writer stopped: {t.Exception?.GetBaseException().Message}"),
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

        app.UseExceptionHandler();
        if (postgres is not null)
        {
            // Before anything reads the body: a follower passes writes on untouched.
            app.Services.GetRequiredService<LeaderForwarder>().Use(app);
        }

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
        // 200 "ok" while the store writes; 503 with {"status":"failing","store":"..."} while commits fail or the data directory's
        // file system is (nearly) full: small commits may still fit then, but the next big one will not.
        if (postgres is null)
        {
            app.MapGet("/healthz", () => StoreProblem(plane, options.DataDir) is { } failure
                ? Results.Json(new Dictionary<string, string>
                {
                    ["status"] = "failing",
                    ["store"] = failure,
                    ["since"] = plane.StoreFailingSince?.ToString("O", System.Globalization.CultureInfo.InvariantCulture) ?? "",
                }, LeptonJsonContext.Default.DictionaryStringString, statusCode: 503)
                : Results.Text("ok")).ExcludeFromDescription();
        }
        else
        {
            SharedStore.MapHealth(app, plane);
        }

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
        MapEnergy(app, api, plane);
        EtaApi.Map(api, plane, app.Services.GetRequiredService<JobEtaService>());
        ConsolidationEndpoints.Map(api, plane);
        app.Lifetime.ApplicationStopped.Register(plane.Dispose);
        return app;
    }

    /// <summary>Energy and cost accounting: the ledger (estimating power with Core's power model), its store beside
    /// the job store, and the background accountant.</summary>
    private static void AddEnergy(IServiceCollection services, LeptonServerOptions options)
    {
        services.AddSingleton(new EnergyLedger(new CoreNodePowerEstimator(Lepton.Core.Power.PowerModel.Default), new EnergyPrices { GpuPerHour = options.GpuPricePerHour },
            options.HeartbeatTimeout));
        // The control plane first: its store creates and migrates the file this one opens.
        services.AddSingleton<IUsageStore>(sp =>
        {
            _ = sp.GetRequiredService<ControlPlane>();
            return sp.GetService<PostgresJobStore>() is { } shared
                ? new PostgresUsageStore(shared)
                : new SqliteUsageStore(Path.Combine(options.DataDir, "lepton.db"));
        });
        services.AddSingleton(sp => new EnergyAccountant(sp.GetRequiredService<ControlPlane>(), sp.GetRequiredService<EnergyLedger>(),
            sp.GetRequiredService<IUsageStore>(), options.EnergyInterval, sp.GetRequiredService<ILogger<EnergyAccountant>>()));
    }

    private static void MapEnergy(WebApplication app, Microsoft.AspNetCore.Routing.IEndpointRouteBuilder api, ControlPlane plane)
    {
        var ledger = app.Services.GetRequiredService<EnergyLedger>();
        EnergyMetrics.Create(app.Services.GetRequiredService<SchedulingMetrics>().Meter, plane, ledger);
        var controller = app.Services.GetService<Power.PowerController>();
        UsageApi.Map(api, plane, app.Services.GetRequiredService<EnergyAccountant>(), controller);
        if (controller is not null)
        {
            ledger.IsPoweredOff = node => controller.StateOf(node) == Power.NodePowerState.PoweredOff;
        }

        app.Services.GetRequiredService<NodeOperations>().ViewDecorator = (_, view) =>
        {
            view = ledger.Power.TryGetValue(view.Name, out var power)
                ? view with { PowerWatts = Math.Round(power.Watts, 1), PowerSource = power.Measured ? "measured" : "estimated" }
                : view;
            return controller is null ? view : controller.Decorate(view);
        };
        app.Lifetime.ApplicationStopped.Register(() => app.Services.GetRequiredService<IUsageStore>().Dispose());
    }

    /// <summary>Runs a server until <paramref name="cancellationToken"/> fires or the process is asked to stop.</summary>
    public static async Task RunAsync(LeptonServerOptions options, CancellationToken cancellationToken = default)
    {
        await using var app = BuildApp(options);
        await app.RunAsync(cancellationToken);
    }

    /// <summary>The store <paramref name="options"/> name, as shown to users (a PostgreSQL URL without its password).</summary>
    public static string StoreDisplay(LeptonServerOptions options) => SharedStore.Locate(options)?.Display ?? "sqlite";

    /// <summary>The addresses a started app listens on (resolves port 0 to the real port).</summary>
    public static IReadOnlyList<string> Addresses(WebApplication app) => [.. app.Urls];

    /// <summary>The fatal error that stopped <paramref name="app"/> (a background service that kept failing), or null.</summary>
    public static string? FatalError(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.Services.GetRequiredService<ServerHealth>().FatalError;
    }

    /// <summary>Below this much free space on the data directory's file system, <c>/healthz</c> reports the store as failing.</summary>
    public const long MinFreeBytes = 1024 * 1024;

    private static string? StoreProblem(ControlPlane plane, string dataDir)
    {
        if (plane.StoreFailure is { } failure)
        {
            return failure;
        }

        try
        {
            var free = new DriveInfo(dataDir).AvailableFreeSpace;
            return free < MinFreeBytes ? $"only {free} bytes free on the data directory's file system" : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    /// <remarks>Registered with <c>AddSingleton&lt;IHostedService&gt;</c>: <c>AddHostedService</c> keeps one registration per
    /// implementation type, and every supervisor is a <see cref="ServiceSupervisor"/>.</remarks>
    private static void Supervise<T>(IServiceCollection services, string name) where T : BackgroundService =>
        services.AddSingleton<IHostedService>(sp => new ServiceSupervisor(sp.GetRequiredService<T>(), name, sp.GetRequiredService<ServerHealth>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger<ServiceSupervisor>()));

    /// <summary>Creates the data directory owner-only (0700), or takes group and other access away from an existing one.</summary>
    private static void PrepareDataDir(string dataDir)
    {
        const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        try
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(dataDir);
                return;
            }

            Directory.CreateDirectory(dataDir, OwnerOnly);
            if ((File.GetUnixFileMode(dataDir) & ~OwnerOnly) != 0)
            {
                File.SetUnixFileMode(dataDir, OwnerOnly);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ServerStartException($"cannot use the data directory {dataDir}: {e.Message}", e);
        }

        // A server that cannot write would accept no change at all: refuse to start instead (a supervisor retries), with one
        // clear line. The probe is about what one commit with its WAL frames needs.
        var probe = Path.Combine(dataDir, ".write-probe");
        try
        {
            using (var file = new FileStream(probe, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.DeleteOnClose))
            {
                file.Write(new byte[256 * 1024]);
                file.Flush(flushToDisk: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ServerStartException($"cannot use the data directory {dataDir}: {e.Message}", e);
        }
    }

    private static string FirstLine(Exception e)
    {
        var message = e.Message;
        var cut = message.IndexOf('\n', StringComparison.Ordinal);
        return cut > 0 ? message[..cut].TrimEnd() : message;
    }

    /// <summary>Makes sure an admin token exists whose secret is in <c>admin-token</c>; issues a new one when asked to.</summary>
    /// <remarks>The file is written and fsynced <em>before</em> the token is committed: a crash in between leaves a file with
    /// a token the store does not know (the next start issues another), never a committed admin token nobody can read.</remarks>
    private static void EnsureAdminToken(ControlPlane plane, LeptonServerOptions options)
    {
        var path = Path.Combine(options.DataDir, AdminTokenFile);
        if (!options.ResetAdminToken)
        {
            lock (plane.Gate)
            {
                if (plane.TokensByHash.Values.Any(t => t.Kind == TokenKind.Admin))
                {
                    if (!File.Exists(path))
                    {
                        options.Announce?.WriteLine($"note: {path} is missing; 'lepton serve --reset-admin-token' issues a new admin token");
                    }

                    return;
                }
            }
        }

        var secret = ControlPlane.NewSecret();
        WriteDurably(path, secret + "\n");
        plane.CreateTokenAsync(TokenKind.Admin, null, options.ResetAdminToken ? "issued by --reset-admin-token" : "created on first start", secret)
            .GetAwaiter().GetResult();
        options.Announce?.WriteLine($"admin token (shown once, also saved to {path}): {secret}");
    }

    /// <summary>Writes <paramref name="text"/> to <paramref name="path"/> owner-only and fsyncs it.</summary>
    private static void WriteDurably(string path, string text)
    {
        var fileOptions = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var file = new FileStream(path, fileOptions))
        {
            file.Write(System.Text.Encoding.UTF8.GetBytes(text));
            file.Flush(flushToDisk: true);
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
