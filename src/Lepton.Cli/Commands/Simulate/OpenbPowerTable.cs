using System.Globalization;
using Lepton.Simulation.Experiments;
using Spectre.Console;

namespace Lepton.Cli.Commands.Simulate;

/// <summary>Prints one table per trace: per policy, cluster power at arrived workload (PWR-SPEC §3's x), the saving
/// against fgd, its mean over x 0.1–0.9 and GRAR at x = 1.0.</summary>
internal static class OpenbPowerTable
{
    /// <summary>Writes the tables to stdout.</summary>
    public static void Write(IReadOnlyList<OpenbPowerRow> rows)
    {
        if (rows.Count == 0)
        {
            return;
        }

        var console = AnsiConsole.Console;
        if (Console.IsOutputRedirected)
        {
            console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
            console.Profile.Width = 180;
        }

        foreach (var trace in rows.GroupBy(r => r.Trace))
        {
            var table = new Table().Border(TableBorder.Rounded)
                .Title($"[bold]{Markup.Escape(trace.Key)}[/]: cluster power (MW) at arrived GPU workload x, saving vs fgd")
                .AddColumn("policy");
            foreach (var x in OpenbPowerRow.Columns)
            {
                table.AddColumn(new TableColumn(string.Create(CultureInfo.InvariantCulture, $"x={x:0.0#}")).RightAligned());
            }

            table.AddColumn(new TableColumn("saving 0.1–0.9").RightAligned()).AddColumn(new TableColumn("GRAR@1.0").RightAligned());
            foreach (var row in trace)
            {
                var cells = new List<string> { Markup.Escape(row.Policy) };
                foreach (var x in OpenbPowerRow.Columns)
                {
                    var w = OpenbPowerRow.At(row.Watts, x);
                    var s = row.SavingPct is { } saving ? OpenbPowerRow.At(saving, x) : double.NaN;
                    cells.Add(string.Create(CultureInfo.InvariantCulture, $"{w / 1e6:F3}")
                        + (double.IsFinite(s) ? string.Create(CultureInfo.InvariantCulture, $"\n[grey]{s:+0.0;−0.0;0.0} %[/]") : ""));
                }

                cells.Add(double.IsFinite(row.MeanSaving10To90) ? string.Create(CultureInfo.InvariantCulture, $"{row.MeanSaving10To90:F2} %") : "–");
                cells.Add(string.Create(CultureInfo.InvariantCulture, $"{OpenbPowerRow.At(row.Grar, 1.0):F4}"));
                table.AddRow(cells.ToArray());
            }

            console.Write(table);
        }

        console.MarkupLine("mean over seeds on PWR-SPEC §3's grid (x = arrived GPU milli / capacity); power model PWR-SPEC §1; saving = (P_fgd − P) / P_fgd");
    }
}
