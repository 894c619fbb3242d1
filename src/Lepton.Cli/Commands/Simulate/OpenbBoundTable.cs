using System.Globalization;
using Lepton.Simulation.Experiments;
using Spectre.Console;

namespace Lepton.Cli.Commands.Simulate;

/// <summary>Prints the upper bound on GPU allocation per trace (<c>--bound</c>) with each policy's gap to it.</summary>
internal static class OpenbBoundTable
{
    /// <summary>Writes the table to stdout.</summary>
    public static void Write(IReadOnlyList<OpenbBoundRow> bounds, IReadOnlyList<OpenbSummaryRow> summary)
    {
        var console = AnsiConsole.Console;
        if (Console.IsOutputRedirected)
        {
            console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
            console.Profile.Width = 200;
        }

        var policies = summary.Select(s => s.Policy).Distinct().ToList();
        var table = new Table().Border(TableBorder.Rounded)
            .Title("[bold]Upper bound[/] on GPU allocation % (LP relaxation of offline packing; median over seeds) and each policy's gap at arrived %")
            .AddColumn("trace");
        foreach (var column in OpenbSummaryRow.Columns)
        {
            table.AddColumn(new TableColumn(Invariant($"bound {column} %")).RightAligned());
        }

        foreach (var policy in policies)
        {
            table.AddColumn(new TableColumn(Markup.Escape($"{policy} gap 100 %")).RightAligned());
        }

        foreach (var row in bounds)
        {
            var cells = new List<string> { Markup.Escape(row.Trace) };
            cells.AddRange(OpenbSummaryRow.Columns.Select(c => double.IsFinite(row.Bound[c].Median) ? Invariant($"{row.Bound[c].Median:F2}") : "–"));
            foreach (var policy in policies)
            {
                var ours = summary.FirstOrDefault(s => s.Trace == row.Trace && s.Policy == policy);
                cells.Add(ours is not null && row.GapOf(ours, 100) is { } g ? Invariant($"{g:F2}") : "–");
            }

            table.AddRow(cells.ToArray());
        }

        console.Write(table);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
