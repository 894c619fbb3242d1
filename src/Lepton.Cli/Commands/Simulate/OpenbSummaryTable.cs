using System.Globalization;
using Lepton.Simulation.Experiments;
using Spectre.Console;

namespace Lepton.Cli.Commands.Simulate;

/// <summary>Prints one table per trace: per policy, allocation % at 90/100/110/130 % arrived (median, min–max over seeds)
/// with the published median and our difference from it.</summary>
internal static class OpenbSummaryTable
{
    /// <summary>Differences up to this many percentage points are shown as agreeing.</summary>
    public const double AgreementBand = 1.0;

    /// <summary>Writes the tables to stdout.</summary>
    public static void Write(IReadOnlyList<OpenbSummaryRow> rows, bool hasPublished)
    {
        var console = AnsiConsole.Console;
        if (Console.IsOutputRedirected)
        {
            console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
            console.Profile.Width = 160;
        }

        var anyPublished = false;
        foreach (var trace in rows.GroupBy(r => r.Trace))
        {
            // A trace of our own (--trace PATH) has no published counterpart: leave the comparison lines out.
            var tracePublished = hasPublished && trace.Any(r => r.PublishedAllocation.Count > 0);
            anyPublished |= tracePublished;
            var table = new Table().Border(TableBorder.Rounded).Title($"[bold]{Markup.Escape(trace.Key)}[/]: GPU allocation % at arrived %")
                .AddColumn("policy");
            foreach (var column in OpenbSummaryRow.Columns)
            {
                table.AddColumn(new TableColumn(string.Create(CultureInfo.InvariantCulture, $"{column} %")).RightAligned());
            }

            foreach (var row in trace)
            {
                var cells = new List<string> { Markup.Escape(row.Policy) };
                foreach (var column in OpenbSummaryRow.Columns)
                {
                    cells.Add(Cell(row, column, tracePublished));
                }

                table.AddRow(cells.ToArray());
            }

            console.Write(table);
        }

        if (anyPublished)
        {
            console.MarkupLine(string.Create(CultureInfo.InvariantCulture,
                $"median (min–max) over seeds; pub = published median (fgd-published); Δ = ours − published, [green]within {AgreementBand:F1} pp[/] or [red]outside[/]"));
        }
    }

    private static string Cell(OpenbSummaryRow row, int column, bool hasPublished)
    {
        var ours = row.Allocation[column];
        var text = double.IsNaN(ours.Median)
            ? "–"
            : string.Create(CultureInfo.InvariantCulture, $"{ours.Median:F2} ({ours.Min:F2}–{ours.Max:F2})");
        if (!hasPublished)
        {
            return text;
        }

        if (!row.PublishedAllocation.TryGetValue(column, out var published) || row.Difference(column) is not { } difference)
        {
            return text + "\n[grey]pub –[/]";
        }

        var colour = Math.Abs(difference) <= AgreementBand ? "green" : "red";
        return text + string.Create(CultureInfo.InvariantCulture, $"\n[grey]pub {published.Median:F2}[/] [{colour}]Δ {difference:+0.00;−0.00;0.00}[/]");
    }
}
