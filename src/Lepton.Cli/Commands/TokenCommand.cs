using System.CommandLine;
using Lepton.Cli.Connection;
using Lepton.Cli.Output;
using Lepton.Client.Contracts;

namespace Lepton.Cli.Commands;

/// <summary><c>lepton token create</c> (admin): a token for a tenant, for agents, or another admin.</summary>
internal sealed class TokenCommand : ICliCommand
{
    private static readonly string[] Kinds = ["tenant", "agent", "admin", "metrics"];

    /// <inheritdoc/>
    public Command Build()
    {
        var token = new Command("token", "Manage API tokens (admin): create.");
        token.Subcommands.Add(Create());
        return token;
    }

    private static Command Create()
    {
        var tenant = new Option<string>("--tenant") { Description = "Tenant the token acts for (a tenant token)." };
        var kind = new Option<string>("--kind") { Description = "tenant, agent, metrics (reads /metrics only) or admin (default: tenant when --tenant is given).", DefaultValueFactory = _ => "" };
        var description = new Option<string>("--description") { Description = "Who or what holds the token." };
        var json = new Option<bool>("--json") { Description = "Print the token as JSON." };
        var command = new Command("create", "Create a token; its secret is printed once and stored only hashed.") { tenant, kind, description, json };
        command.SetAction((parse, cancellationToken) =>
        {
            var tenantName = parse.GetValue(tenant);
            var kindName = parse.GetValue(kind) is { Length: > 0 } k ? k.ToLowerInvariant() : tenantName is null ? "" : "tenant";
            if (kindName.Length == 0)
            {
                throw new CliError("say who the token is for: --tenant NAME, or --kind agent, or --kind admin", 2);
            }

            if (!Kinds.Contains(kindName))
            {
                throw new CliError($"--kind: '{kindName}' is not one of {string.Join(", ", Kinds)}", 2);
            }

            if (kindName == "tenant" && tenantName is null)
            {
                throw new CliError("--tenant NAME is required for a tenant token", 2);
            }

            if (kindName != "tenant" && tenantName is not null)
            {
                throw new CliError($"--tenant is only for tenant tokens, not {kindName} tokens", 2);
            }

            return CliConnection.RunAsync(async client =>
            {
                var created = await client.CreateTokenAsync(new TokenCreate { Kind = kindName, Tenant = tenantName, Description = parse.GetValue(description) }, cancellationToken);
                if (parse.GetValue(json))
                {
                    Terminal.WriteJson(created);
                }
                else
                {
                    var who = created.Tenant is { } t ? $"tenant {t}" : $"{created.Kind}";
                    Console.Error.WriteLine($"Token {created.Id} for {who} (shown once; keep it safe):");
                    Console.WriteLine(created.Token);
                }

                return 0;
            }, cancellationToken);
        });
        return command;
    }
}
