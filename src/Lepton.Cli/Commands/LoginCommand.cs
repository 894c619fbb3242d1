using System.CommandLine;
using System.Net;
using Lepton.Cli.Connection;
using Lepton.Client;

namespace Lepton.Cli.Commands;

/// <summary><c>lepton login --server URL --token TOKEN</c>: checks the pair against the server and saves it in the user's config (mode 0600).</summary>
internal sealed class LoginCommand : ICliCommand
{
    /// <inheritdoc/>
    public Command Build()
    {
        var server = new Option<string>("--server") { Description = "Server base URL, e.g. http://127.0.0.1:8080.", Required = true };
        var token = new Option<string>("--token") { Description = "API token (from 'lepton token create', or the admin token the server wrote).", Required = true };
        var noVerify = new Option<bool>("--no-verify") { Description = "Save without asking the server whether the token works." };
        var command = new Command("login", "Save the server address and token for later commands (LEPTON_SERVER / LEPTON_TOKEN and a local ./.lepton cluster take precedence; 'lepton whoami' shows which is used).")
        {
            server, token, noVerify,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var uri = CliConnection.ParseServer(parse.GetValue(server)!, "--server");
            var secret = parse.GetValue(token)!.Trim();
            if (secret.Length == 0)
            {
                throw new CliError("--token must not be empty", 2);
            }

            var note = "";
            if (!parse.GetValue(noVerify))
            {
                note = await VerifyAsync(new CliConnection(uri, secret, "--server"), cancellationToken);
            }

            var path = CliConfig.DefaultPath();
            new CliConfig { Server = uri.AbsoluteUri.TrimEnd('/'), Token = secret }.Save(path);
            Console.WriteLine($"Logged in to {uri.AbsoluteUri.TrimEnd('/')}{note}; saved to {path}");
            if (LocalTokenFiles.LocalClusterExists() && string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("LEPTON_SERVER")))
            {
                // The folder's own cluster wins over a login (see CliConnection); say so rather than leave the user guessing.
                Console.Error.WriteLine($"note: in this folder commands keep using {CliConnection.LocalSource}; "
                    + "the login applies in other folders (or set LEPTON_SERVER and LEPTON_TOKEN). 'lepton whoami' shows what a command uses.");
            }
            return 0;
        });
        return command;
    }

    /// <summary>Asks the server whether it knows the token; returns a note for the success line.</summary>
    private static async Task<string> VerifyAsync(CliConnection connection, CancellationToken cancellationToken)
    {
        using var client = new LeptonClient(connection.Server, connection.Token) { RequestTimeout = TimeSpan.FromSeconds(15) };
        var note = "";
        await connection.GuardAsync(async () =>
        {
            await client.GetHealthAsync(cancellationToken);
            try
            {
                var jobs = await client.ListJobsAsync(cancellationToken: cancellationToken);
                note = $" ({jobs.Count} job(s) visible)";
            }
            catch (LeptonApiException e) when (e.Status == HttpStatusCode.Forbidden)
            {
                // An agent token is valid but may not read jobs.
                note = " (this token may not read jobs)";
            }

            return 0;
        }, cancellationToken);
        return note;
    }
}
