using System.CommandLine;
using Lepton.Cli.Connection;
using Lepton.Cli.Output;

namespace Lepton.Cli.Commands;

/// <summary><c>lepton whoami</c>: which server and token commands run here use, where each came from, and what the
/// server says the token is (kind, tenant).</summary>
internal sealed class WhoAmICommand : ICliCommand
{
    /// <inheritdoc/>
    public Command Build()
    {
        var json = new Option<bool>("--json") { Description = "Print the API's JSON (kind, tenant, token id)." };
        var team = new Option<bool>("--jobs") { Description = "Show the token 'lepton job ...' uses (the team token of a local cluster) rather than the one other commands use." };
        var command = new Command("whoami", "Show the server and token commands use here, where they come from, and the token's kind and tenant.") { json, team };
        command.SetAction((parse, cancellationToken) =>
        {
            var connection = CliConnection.Resolve(parse.GetValue(team));
            return CliConnection.RunAsync(async client =>
            {
                var me = await client.WhoAmIAsync(cancellationToken);
                if (parse.GetValue(json))
                {
                    Terminal.WriteJson(me);
                    return 0;
                }

                Console.WriteLine($"server: {connection.Server.AbsoluteUri.TrimEnd('/')}   (from {connection.Source})");
                Console.WriteLine($"token:  {me.Kind}{(me.Tenant is { } t ? $" token of tenant '{t}'" : " token")}, id {me.TokenId}"
                    + $"{(string.IsNullOrEmpty(me.Description) ? "" : $" ({me.Description})")}   (from {connection.TokenSource})");
                if (!parse.GetValue(team) && LocalTokenFiles.LocalClusterExists() && connection.Source == CliConnection.LocalSource)
                {
                    Console.WriteLine("'lepton job ...' here uses the local team token (see 'lepton whoami --jobs').");
                }

                return 0;
            }, cancellationToken, parse.GetValue(team));
        });
        return command;
    }
}
