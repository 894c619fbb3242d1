using System.CommandLine;
using Lepton.Core.Placement;
using Lepton.Core.Queueing;
using Lepton.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;

namespace Lepton.Cli.Commands;

/// <summary><c>lepton serve</c>: runs the control-plane server (REST API, scheduling loop, SQLite store) until Ctrl-C.</summary>
internal sealed class ServeCommand : ICliCommand
{
    /// <inheritdoc/>
    public Command Build()
    {
        var dataDir = new Option<string>("--data-dir") { Description = "Directory for the database and the admin token.", Required = true };
        var urls = new Option<string>("--urls") { Description = "Listen URLs, e.g. http://127.0.0.1:8080.", DefaultValueFactory = _ => "http://127.0.0.1:8080" };
        var policy = new Option<string>("--policy")
        {
            Description = $"Placement policy ({string.Join(", ", PolicyRegistry.Names)}).",
            DefaultValueFactory = _ => LeptonServerOptions.DefaultPolicy,
        };
        var queue = new Option<string>("--queue")
        {
            Description = $"Queue discipline ({string.Join(", ", QueueDiscipline.Names)}); as lepton simulate jobs --queue.",
            DefaultValueFactory = _ => QueueDiscipline.Default.Name,
        };
        var logCap = new Option<long>("--log-cap-mib")
        {
            Description = "Most output kept per task attempt, in MiB; later lines are dropped after a marker line.",
            DefaultValueFactory = _ => LeptonServerOptions.DefaultLogCapMiB,
        };
        var logRetention = new Option<double>("--log-retention-days")
        {
            Description = "Delete the logs of jobs that finished more than this many days ago.",
            DefaultValueFactory = _ => 7,
        };
        var resetAdmin = new Option<bool>("--reset-admin-token")
        {
            Description = "Issue a new admin token, save it to DATA_DIR/admin-token and print it (for when the file was lost).",
        };
        var fairShare = new Option<bool>("--fair-share")
        {
            Description = "Share by fair share instead of hard quotas: tenants' guarantees, borrowing of idle capacity with reclaim, weighted DRF, aging (see lepton tenant share).",
        };
        var store = new Option<string?>("--store")
        {
            Description = "Where the state lives: sqlite (default, a file in --data-dir) or postgres://USER@HOST:PORT/DB, shared by several "
                + "servers of which one leads (default: $LEPTON_STORE).",
        };
        var advertise = new Option<string?>("--advertise-url")
        {
            Description = "With a PostgreSQL store: the URL other servers reach this one at (default: the first --urls).",
        };
        var planner = new Option<string>("--planner")
        {
            Description = "Planning mode: greedy (job by job with --policy) or milp (each cycle's pending jobs as one batch by CP-SAT, never worse than greedy).",
            DefaultValueFactory = _ => "greedy",
        };
        var command = new Command("serve", "Run the Lepton control-plane server.")
        {
            dataDir, urls, policy, queue, logCap, logRetention, resetAdmin, fairShare, store, advertise, planner,
        };
        var energy = new ServeEnergyOptions(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var policyName = parse.GetValue(policy)!;
            if (!PolicyRegistry.TryGet(policyName, out _))
            {
                throw new CliError($"unknown policy '{policyName}'; choose one of {string.Join(", ", PolicyRegistry.Names)}", 2);
            }

            var queueName = parse.GetValue(queue)!;
            if (!QueueDiscipline.TryParse(queueName, out _))
            {
                throw new CliError($"--queue: unknown queue discipline '{queueName}'; valid: {string.Join(", ", QueueDiscipline.Names)}", 2);
            }

            var plannerName = parse.GetValue(planner)!.Trim().ToLowerInvariant();
            if (plannerName is not ("greedy" or "milp"))
            {
                throw new CliError($"--planner: unknown planner '{plannerName}'; valid: greedy, milp", 2);
            }

            var capMiB = parse.GetValue(logCap);
            if (capMiB is < 1 or > 1024 * 1024)
            {
                throw new CliError("--log-cap-mib must be between 1 and 1048576", 2);
            }

            var retentionDays = parse.GetValue(logRetention);
            if (!double.IsFinite(retentionDays) || retentionDays <= 0 || retentionDays > 36500)
            {
                throw new CliError("--log-retention-days must be a positive number of days (at most 36500)", 2);
            }

            var storeText = parse.GetValue(store) ?? Environment.GetEnvironmentVariable("LEPTON_STORE");
            var options = new LeptonServerOptions
            {
                Store = string.IsNullOrWhiteSpace(storeText) ? null : storeText,
                AdvertiseUrl = parse.GetValue(advertise),
                LogCapPerTask = capMiB * 1024 * 1024,
                LogRetention = TimeSpan.FromDays(retentionDays),
                ResetAdminToken = parse.GetValue(resetAdmin),
                DataDir = Path.GetFullPath(parse.GetValue(dataDir)!),
                Urls = parse.GetValue(urls)!,
                Policy = policyName,
                Queue = queueName,
                FairShare = parse.GetValue(fairShare),
                BatchPlacer = plannerName == "milp" ? new Lepton.Optimization.MilpBatchPlacer() : null,
                Announce = Console.Out,
                LogLevel = Microsoft.Extensions.Logging.LogLevel.Information,
            };
            options = energy.Apply(parse, options);
            ListenAddress.EnsureFree(options.Urls);
            WebApplication built;
            try
            {
                built = LeptonServer.BuildApp(options);
            }
            catch (ServerStartException e)
            {
                throw new CliError(e.Message);
            }

            await using var app = built;
            try
            {
                await app.StartAsync(cancellationToken);
            }
            catch (IOException e)
            {
                throw new CliError($"cannot listen on {options.Urls}: {e.Message}");
            }

            Console.WriteLine($"lepton server listening on {string.Join(", ", app.Urls)} (data in {options.DataDir}, policy {policyName}, queue {queueName}"
                + (options.Store is null ? ")" : $", store {LeptonServer.StoreDisplay(options)})"));
            await app.WaitForShutdownAsync(cancellationToken);
            if (LeptonServer.FatalError(app) is { } fatal)
            {
                // A supervisor (systemd, Kubernetes) restarts a process that exits non-zero.
                throw new CliError($"server stopped: {fatal}");
            }

            return 0;
        });
        return command;
    }
}
