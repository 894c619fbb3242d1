using System.CommandLine;
using System.Globalization;
using Lepton.Cli.Connection;
using Lepton.Cli.Output;
using Lepton.Client.Contracts;
using Spectre.Console;

namespace Lepton.Cli.Commands;

/// <summary><c>lepton token create|list|revoke</c> (admin): tokens for tenants, agents (join tokens) and admins; node
/// credentials are issued by registration and listed and revoked here too.</summary>
internal sealed class TokenCommand : ICliCommand
{
    private static readonly string[] Kinds = ["tenant", "agent", "admin", "metrics"];

    /// <inheritdoc/>
    public Command Build()
    {
        var token = new Command("token", "Manage API tokens (admin): create, list, revoke.");
        token.Subcommands.Add(Create());
        token.Subcommands.Add(List());
        token.Subcommands.Add(Revoke());
        return token;
    }

    private static Command List()
    {
        var json = new Option<bool>("--json") { Description = "Print the API's JSON instead of a table." };
        var all = new Option<bool>("--all") { Description = "Include revoked tokens." };
        var command = new Command("list", "List tokens: id, kind, tenant or node, created, last used (never the secret).") { all, json };
        command.SetAction((parse, cancellationToken) => CliConnection.RunAsync(async client =>
        {
            var tokens = (await client.ListTokensAsync(cancellationToken)).Where(t => parse.GetValue(all) || t.RevokedAt is null).ToList();
            if (parse.GetValue(json))
            {
                Terminal.WriteJson(tokens);
                return 0;
            }

            var now = DateTimeOffset.UtcNow;
            var table = Terminal.NewTable("ID", "KIND", "FOR", "CREATED", "LAST USED", "REVOKED", "DESCRIPTION");
            foreach (var t in tokens)
            {
                table.AddRow(
                    new Text(t.Id.ToString(CultureInfo.InvariantCulture)),
                    new Text(t.Kind),
                    new Text(t.Tenant ?? t.Node ?? "-"),
                    new Text(HumanText.Age(t.CreatedAt, now) + " ago"),
                    new Text(t.LastUsedAt is { } used ? HumanText.Age(used, now) + " ago" : "never"),
                    new Text(t.RevokedAt is { } revoked ? HumanText.Age(revoked, now) + " ago" : "-"),
                    new Text(HumanText.Clip(t.Description, 60)));
            }

            Terminal.Create().Write(table);
            return 0;
        }, cancellationToken));
        return command;
    }

    private static Command Revoke()
    {
        var id = new Argument<long>("ID") { Description = "Token id (as 'token list' shows it)." };
        var command = new Command("revoke", "Revoke a token: it is refused from the next request on. Revoking a node's credential cuts that node off until an admin removes it ('node remove').") { id };
        command.SetAction((parse, cancellationToken) => CliConnection.RunAsync(async client =>
        {
            var revoked = await client.RevokeTokenAsync(parse.GetValue(id), cancellationToken);
            var who = revoked.Tenant is { } t ? $"tenant {t}" : revoked.Node is { } n ? $"node {n}" : revoked.Kind;
            Console.WriteLine($"token {revoked.Id} ({revoked.Kind}, {who}) is revoked");
            return 0;
        }, cancellationToken));
        return command;
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
