using System.CommandLine;
using Lepton.Core.Placement;
using Lepton.Server;
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
        var command = new Command("serve", "Run the Lepton control-plane server.") { dataDir, urls, policy };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var policyName = parse.GetValue(policy)!;
            if (!PolicyRegistry.TryGet(policyName, out _))
            {
                throw new CliError($"unknown policy '{policyName}'; choose one of {string.Join(", ", PolicyRegistry.Names)}", 2);
            }

            var options = new LeptonServerOptions
            {
                DataDir = Path.GetFullPath(parse.GetValue(dataDir)!),
                Urls = parse.GetValue(urls)!,
                Policy = policyName,
                Announce = Console.Out,
                LogLevel = Microsoft.Extensions.Logging.LogLevel.Information,
            };
            ListenAddress.EnsureFree(options.Urls);
            await using var app = LeptonServer.BuildApp(options);
            try
            {
                await app.StartAsync(cancellationToken);
            }
            catch (IOException e)
            {
                throw new CliError($"cannot listen on {options.Urls}: {e.Message}");
            }

            Console.WriteLine($"lepton server listening on {string.Join(", ", app.Urls)} (data in {options.DataDir}, policy {policyName})");
            await app.WaitForShutdownAsync(cancellationToken);
            return 0;
        });
        return command;
    }
}
