using System.CommandLine;
using System.Globalization;
using Lepton.Cli.Connection;
using Lepton.Cli.Output;
using Lepton.Client.Contracts;
using Lepton.Core.Resources;
using Spectre.Console;

namespace Lepton.Cli.Commands;

/// <summary><c>lepton tenant</c> (admin): create and list tenants.</summary>
internal sealed class TenantCommand : ICliCommand
{
    /// <inheritdoc/>
    public Command Build()
    {
        var tenant = new Command("tenant", "Manage tenants (admin): create, list.");
        tenant.Subcommands.Add(Create());
        tenant.Subcommands.Add(List());
        tenant.Subcommands.Add(Share());
        return tenant;
    }

    private static Command Create()
    {
        var name = new Argument<string>("NAME") { Description = "Tenant name: lower-case letters, digits and '-'." };
        var quota = new Option<string>("--quota") { Description = "Hard cap on what the tenant's running work holds, e.g. \"cpu=64,memory=256Gi,gpus=8,fpga=0,network=10Gbps\"; omitted = unlimited." };
        var weight = new Option<double>("--weight") { Description = "Fair-share weight (positive).", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "Print the tenant as JSON." };
        var guarantee = new Option<string>("--guarantee") { Description = "Fair share: what the tenant is always entitled to (as --quota), e.g. \"gpus=8\"; omitted = its quota, else nothing." };
        var borrowing = new Option<string>("--borrowing-limit") { Description = "Fair share: most it may borrow beyond its guarantee (as --quota); omitted = unlimited." };
        var command = new Command("create", "Create a tenant (a team) with an optional quota, fair-share guarantee and borrowing limit, and a weight.")
        {
            name, quota, weight, guarantee, borrowing, json,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var amounts = parse.GetValue(quota) is { } text ? ParseQuota(text) : null;
            var w = parse.GetValue(weight);
            if (!(w > 0) || double.IsInfinity(w))
            {
                throw new CliError("--weight must be a positive number", 2);
            }

            return CliConnection.RunAsync(async client =>
            {
                var created = await client.CreateTenantAsync(new TenantCreate
                {
                    Name = parse.GetValue(name)!, Quota = amounts, FairShareWeight = w,
                    Guarantee = parse.GetValue(guarantee) is { } g ? ParseQuota(g, "--guarantee") : null,
                    BorrowingLimit = parse.GetValue(borrowing) is { } b ? ParseQuota(b, "--borrowing-limit") : null,
                }, cancellationToken);
                if (parse.GetValue(json))
                {
                    Terminal.WriteJson(created);
                }
                else
                {
                    Console.WriteLine($"tenant {created.Name} created (quota: {QuotaText(created.Quota)}, weight {created.FairShareWeight.ToString(CultureInfo.InvariantCulture)}); give it a token with 'lepton token create --tenant {created.Name}'");
                }

                return 0;
            }, cancellationToken);
        });
        return command;
    }

    private static Command List()
    {
        var json = new Option<bool>("--json") { Description = "Print the API's JSON instead of a table." };
        var command = new Command("list", "List tenants with quota and current use.") { json };
        command.SetAction((parse, cancellationToken) => CliConnection.RunAsync(async client =>
        {
            var tenants = await client.ListTenantsAsync(cancellationToken);
            if (parse.GetValue(json))
            {
                Terminal.WriteJson(tenants);
                return 0;
            }

            var table = Terminal.NewTable("NAME", "QUOTA", "USED", "WEIGHT", "GUARANTEE", "BORROWING LIMIT", "BORROWED", "DOMINANT SHARE");
            foreach (var t in tenants)
            {
                table.AddRow(new Text(t.Name), new Text(QuotaText(t.Quota)), new Text(QuotaText(t.Used)), new Text(t.FairShareWeight.ToString(CultureInfo.InvariantCulture)),
                    new Text(t.Guarantee is null ? (t.Quota is null ? "none" : "= quota") : QuotaText(t.Guarantee)), new Text(QuotaText(t.BorrowingLimit)),
                    new Text(QuotaText(t.Borrowed)), new Text(t.DominantShare.ToString("P1", CultureInfo.InvariantCulture)));
            }

            Terminal.Create().Write(table);
            return 0;
        }, cancellationToken));
        return command;
    }

    private static Command Share()
    {
        var name = new Argument<string>("NAME") { Description = "Tenant name." };
        var guarantee = new Option<string>("--guarantee") { Description = "What the tenant is always entitled to (as --quota), e.g. \"gpus=8\"; omitted = none (its quota stands in)." };
        var borrowing = new Option<string>("--borrowing-limit") { Description = "Most it may borrow beyond its guarantee (as --quota); omitted = unlimited." };
        var weight = new Option<double?>("--weight") { Description = "Fair-share weight (positive); omitted = unchanged." };
        var json = new Option<bool>("--json") { Description = "Print the tenant as JSON." };
        var command = new Command("share", "Set a tenant's fair-share terms (lepton serve --fair-share): guarantee, borrowing limit, weight. Omitted terms are cleared (weight: kept).")
        {
            name, guarantee, borrowing, weight, json,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            if (parse.GetValue(weight) is { } w && (!(w > 0) || double.IsInfinity(w)))
            {
                throw new CliError("--weight must be a positive number", 2);
            }

            var update = new TenantShareUpdate
            {
                Guarantee = parse.GetValue(guarantee) is { } g ? ParseQuota(g, "--guarantee") : null,
                BorrowingLimit = parse.GetValue(borrowing) is { } b ? ParseQuota(b, "--borrowing-limit") : null,
                FairShareWeight = parse.GetValue(weight),
            };
            return CliConnection.RunAsync(async client =>
            {
                var t = await client.SetTenantShareAsync(parse.GetValue(name)!, update, cancellationToken);
                if (parse.GetValue(json))
                {
                    Terminal.WriteJson(t);
                }
                else
                {
                    Console.WriteLine($"tenant {t.Name}: guarantee {(t.Guarantee is null ? "none" : QuotaText(t.Guarantee))}, borrowing limit {QuotaText(t.BorrowingLimit)}, weight {t.FairShareWeight.ToString(CultureInfo.InvariantCulture)}");
                }

                return 0;
            }, cancellationToken);
        });
        return command;
    }

    /// <summary>Parses <c>cpu=64,memory=256Gi,gpus=8,fpga=2,network=10Gbps</c> into API units; <paramref name="option"/>
    /// names the option in errors.</summary>
    internal static ResourceAmounts ParseQuota(string text, string option = "--quota")
    {
        var amounts = new ResourceAmounts();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var pair = part.Split('=', 2, StringSplitOptions.TrimEntries);
            if (pair.Length != 2 || pair[1].Length == 0)
            {
                throw new CliError($"{option}: '{part}' is not key=value (e.g. cpu=64,memory=256Gi,gpus=8)", 2);
            }

            try
            {
                amounts = pair[0].ToLowerInvariant() switch
                {
                    "cpu" => amounts with { CpuMilli = Quantity.ParseCpuMilli(pair[1]) },
                    "memory" => amounts with { MemoryMiB = Quantity.ParseMemoryMiB(pair[1]) },
                    "gpu" or "gpus" => amounts with
                    {
                        GpuMilli = decimal.TryParse(pair[1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var gpus) && gpus <= 1_000_000
                            ? (long)decimal.Ceiling(gpus * 1000) : Bad(option, pair, "a number of GPUs such as 8 or 2.5"),
                    },
                    "fpga" => amounts with { Fpga = long.TryParse(pair[1], NumberStyles.None, CultureInfo.InvariantCulture, out var f) ? f : Bad(option, pair, "a whole number") },
                    "network" => amounts with { NetworkMbps = Quantity.ParseNetworkMbps(pair[1]) },
                    _ => throw new CliError($"{option}: unknown resource '{pair[0]}'; use cpu, memory, gpus, fpga, network", 2),
                };
            }
            catch (FormatException e)
            {
                throw new CliError($"{option}: {e.Message}", 2);
            }
        }

        return amounts;
    }

    private static long Bad(string option, string[] pair, string expected) =>
        throw new CliError($"{option}: {pair[0]}='{pair[1]}' is not {expected}", 2);

    private static string QuotaText(ResourceAmounts? q) =>
        q is null ? "unlimited"
            : $"cpu {HumanText.Cores(q.CpuMilli)}, memory {HumanText.Memory(q.MemoryMiB)}, gpus {HumanText.Gpus(q.GpuMilli)}"
              + (q.Fpga > 0 ? $", fpga {q.Fpga}" : "") + (q.NetworkMbps > 0 ? $", network {HumanText.Network(q.NetworkMbps)}" : "");
}
