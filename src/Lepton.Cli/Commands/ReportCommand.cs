using System.CommandLine;
using System.Globalization;
using System.Text;
using Lepton.Cli.Connection;
using Lepton.Cli.Output;
using Lepton.Client.Contracts;
using Spectre.Console;

namespace Lepton.Cli.Commands;

/// <summary><c>lepton report usage</c>: GPU-hours by model, CPU-hours, energy, cost, and value/profit per tenant and job.</summary>
internal sealed class ReportCommand : ICliCommand
{
    /// <inheritdoc/>
    public Command Build()
    {
        var report = new Command("report", "Reports from a running server: usage (GPU-hours, CPU-hours, energy, cost, profit).");
        report.Subcommands.Add(Usage());
        return report;
    }

    private static Command Usage()
    {
        var from = new Option<string?>("--from") { Description = "Start of the period (inclusive): 2026-11-30, 2026-11-30T14:00Z, or a duration ago such as 24h, 7d, 90m. Default: the beginning." };
        var to = new Option<string?>("--to") { Description = "End of the period (exclusive), same forms. Default: now." };
        var tenant = new Option<string?>("--tenant") { Description = "One tenant only (admins; a tenant token always sees its own)." };
        var json = new Option<bool>("--json") { Description = "Print the API's JSON." };
        var csv = new Option<bool>("--csv") { Description = "Print CSV: one row per tenant, job and the total." };
        var command = new Command("usage",
            "Usage per tenant and job over a period: GPU-hours by model, CPU-hours, energy (kWh, and how much of it measured), cost, and for jobs that declare value: profit and cost/profit ratio. Admins also see each node's energy and idle share.")
        { from, to, tenant, json, csv };
        command.SetAction((parse, cancellationToken) =>
        {
            var now = DateTimeOffset.UtcNow;
            var start = ParseTime(parse.GetValue(from), "--from", now);
            var end = ParseTime(parse.GetValue(to), "--to", now);
            if (parse.GetValue(json) && parse.GetValue(csv))
            {
                throw new CliError("--json and --csv: choose one", 2);
            }

            return CliConnection.RunAsync(async client =>
            {
                var usage = await client.GetUsageAsync(start, end, parse.GetValue(tenant), cancellationToken);
                if (parse.GetValue(json))
                {
                    Terminal.WriteJson(usage);
                }
                else if (parse.GetValue(csv))
                {
                    Console.Out.Write(ToCsv(usage));
                }
                else
                {
                    WriteTables(usage);
                }

                return 0;
            }, cancellationToken);
        });
        return command;
    }

    /// <summary>An absolute time, or a duration before <paramref name="now"/> (<c>90m</c>, <c>24h</c>, <c>7d</c>); null when not given.</summary>
    internal static DateTimeOffset? ParseTime(string? text, string option, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        text = text.Trim();
        if (text.Length >= 2 && char.IsAsciiDigit(text[0]) && text[^1] is 'm' or 'h' or 'd'
            && int.TryParse(text[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var amount) && amount <= 100_000)
        {
            return now - text[^1] switch
            {
                'm' => TimeSpan.FromMinutes(amount),
                'h' => TimeSpan.FromHours(amount),
                _ => TimeSpan.FromDays(amount),
            };
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            return time;
        }

        throw new CliError($"{option} '{text}': expected a date and time (2026-11-30, 2026-11-30T14:00Z) or a duration ago (90m, 24h, 7d)", 2);
    }

    /// <summary>CSV with a header: kind (tenant, job, total), tenant, job id and name, then the figures.</summary>
    internal static string ToCsv(UsageReport usage)
    {
        ArgumentNullException.ThrowIfNull(usage);
        var text = new StringBuilder();
        text.Append("kind,tenant,job_id,job,gpu_hours,gpu_hours_by_model,cpu_hours,energy_kwh,measured_energy_kwh,cost,value,profit,cost_profit_ratio\n");
        foreach (var line in usage.Tenants)
        {
            Row(text, "tenant", line);
        }

        foreach (var line in usage.Jobs)
        {
            Row(text, "job", line);
        }

        Row(text, "total", usage.Total);
        return text.ToString();
    }

    private static void Row(StringBuilder text, string kind, UsageLine l)
    {
        var models = string.Join(';', l.GpuHoursByModel.OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}={Number(g.Value)}"));
        string[] cells =
        [
            kind, l.Tenant, l.JobId == 0 ? "" : l.JobId.ToString(CultureInfo.InvariantCulture), l.Job, Number(l.GpuHours), models,
            Number(l.CpuHours), Number(l.EnergyKWh), Number(l.MeasuredEnergyKWh), Number(l.Cost), Number(l.Value), Number(l.Profit),
            Number(l.CostProfitRatio),
        ];
        text.Append(string.Join(',', cells.Select(Quote))).Append('\n');
    }

    private static string Number(double? value) => value is { } v ? v.ToString("0.######", CultureInfo.InvariantCulture) : "";

    /// <summary>Quotes a cell that holds a comma, quote or newline; prefixes one that a spreadsheet would run as a formula
    /// (job names are tenants' text).</summary>
    private static string Quote(string cell)
    {
        if (cell.Length > 0 && cell[0] is '=' or '+' or '-' or '@' && !double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        {
            cell = "'" + cell;
        }

        return cell.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? "\"" + cell.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : cell;
    }

    private static void WriteTables(UsageReport usage)
    {
        var console = Terminal.Create();
        console.WriteLine($"Usage from {usage.From:yyyy-MM-dd HH:mm} to {usage.To:yyyy-MM-dd HH:mm} UTC");
        if (usage.Jobs.Count == 0)
        {
            console.WriteLine("No usage accounted in this period.");
        }
        else
        {
            var tenants = Table("TENANT", usage.Tenants.Select(t => (t.Tenant, t)));
            tenants.AddRow(Cells("total", usage.Total));
            console.Write(tenants);
            console.Write(Table("JOB", usage.Jobs.Select(j => ($"{j.JobId} {j.Job} ({j.Tenant})", j))));
        }

        if (usage.Nodes.Count > 0)
        {
            var nodes = Terminal.NewTable("NODE", "GPU MODEL", "HOURS", "ENERGY kWh", "MEASURED", "IDLE kWh", "COST");
            foreach (var n in usage.Nodes)
            {
                nodes.AddRow(new Text(n.Node), new Text(n.GpuModel.Length > 0 ? n.GpuModel : "-"), new Text(Fixed(n.Hours, 2)),
                    new Text(Fixed(n.EnergyKWh, 4)), new Text(Percent(n.MeasuredEnergyKWh, n.EnergyKWh)), new Text(Fixed(n.IdleEnergyKWh, 4)),
                    new Text(Fixed(n.Cost, 2)));
            }

            console.Write(nodes);
        }
    }

    private static Table Table(string first, IEnumerable<(string Name, UsageLine Line)> lines)
    {
        var table = Terminal.NewTable(first, "GPU-HOURS", "CPU-HOURS", "ENERGY kWh", "MEASURED", "COST", "VALUE", "PROFIT", "COST/PROFIT");
        foreach (var (name, line) in lines)
        {
            table.AddRow(Cells(name, line));
        }

        return table;
    }

    private static Text[] Cells(string name, UsageLine l) =>
    [
        new(PrintableText.Of(name)),
        new(l.GpuHoursByModel.Count == 0 ? "-" : string.Join(" ", l.GpuHoursByModel.OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{Fixed(g.Value, 2)} {g.Key}"))),
        new(Fixed(l.CpuHours, 2)),
        new(Fixed(l.EnergyKWh, 4)),
        new(Percent(l.MeasuredEnergyKWh, l.EnergyKWh)),
        new(Fixed(l.Cost, 2)),
        new(l.Value is { } v ? Fixed(v, 2) : "-"),
        new(l.Profit is { } p ? Fixed(p, 2) : "-"),
        new(l.CostProfitRatio is { } r ? Fixed(r, 3) : "-"),
    ];

    private static string Fixed(double value, int digits) => value.ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static string Percent(double part, double whole) => whole > 0 ? $"{(100 * part / whole).ToString("0", CultureInfo.InvariantCulture)}%" : "-";
}
