using System.Globalization;
using System.Net;
using System.Text;
using Lepton.Simulation.Experiments;

namespace Lepton.Simulation.Reports;

/// <summary>The power part of an openb report for one trace: cluster power, saving against FGD and GRAR versus arrived
/// workload (PWR-SPEC §3's grid, seed means), and a table beside the allocation table.</summary>
internal static class OpenbPowerHtml
{
    /// <summary>Appends the charts and table for <paramref name="trace"/>; nothing when no run recorded power.</summary>
    public static void Append(StringBuilder html, IReadOnlyList<OpenbPowerRow> rows, string trace, IReadOnlyList<string> policies)
    {
        var mine = rows.Where(r => r.Trace == trace).ToList();
        if (mine.Count == 0)
        {
            return;
        }

        var power = new List<ChartSeries>();
        var saving = new List<ChartSeries>();
        var grar = new List<ChartSeries>();
        foreach (var row in mine)
        {
            var colour = ReportStyle.Colour(row.Policy, IndexOf(policies, row.Policy));
            power.Add(new ChartSeries(row.Policy, colour, Points(row.Watts, w => w / 1e6)));
            grar.Add(new ChartSeries(row.Policy, colour, Points(row.Grar, g => g)));
            if (row.SavingPct is { } s)
            {
                saving.Add(new ChartSeries(row.Policy, colour, Points(s, v => v)));
            }
        }

        html.Append("<div class=\"charts\">");
        html.Append(new SvgLineChart
        {
            Id = "power-" + trace,
            Title = "Cluster power vs arrived workload (PWR-SPEC §1 model)",
            XLabel = "arrived GPU workload (fraction of capacity)",
            YLabel = "power (MW)",
            XRange = (0, 1),
            Series = power,
        }.Render());
        if (saving.Count > 0)
        {
            html.Append(new SvgLineChart
            {
                Id = "power-saving-" + trace,
                Title = "Power saved against FGD",
                XLabel = "arrived GPU workload (fraction of capacity)",
                YLabel = "saving vs fgd (%)",
                XRange = (0, 1),
                Series = saving,
            }.Render());
        }

        html.Append(new SvgLineChart
        {
            Id = "grar-" + trace,
            Title = "GPU resource allocation ratio (allocated / arrived)",
            XLabel = "arrived GPU workload (fraction of capacity)",
            YLabel = "GRAR",
            XRange = (0.5, 1),
            Series = grar,
        }.Render());
        html.Append("</div><h3>Power (MW, mean over seeds) at arrived workload; saving vs fgd; GRAR at 1.0</h3><table class=\"summary\"><thead><tr><th>policy</th>");
        foreach (var x in OpenbPowerRow.Columns)
        {
            html.Append(Invariant($"<th>{x:0.0#}</th>"));
        }

        html.Append("<th>mean saving 0.1–0.9</th><th>GRAR at 1.0</th></tr></thead><tbody>");
        foreach (var row in mine)
        {
            html.Append("<tr><td>").Append(WebUtility.HtmlEncode(row.Policy)).Append("</td>");
            foreach (var x in OpenbPowerRow.Columns)
            {
                var w = OpenbPowerRow.At(row.Watts, x);
                html.Append("<td>").Append(Invariant($"{w / 1e6:F3}"));
                if (row.SavingPct is { } s && double.IsFinite(OpenbPowerRow.At(s, x)))
                {
                    html.Append(Invariant($"<span class=\"sub\">{OpenbPowerRow.At(s, x):+0.0;−0.0;0.0} %</span>"));
                }

                html.Append("</td>");
            }

            html.Append(Invariant($"<td>{row.MeanSaving10To90:F2} %</td><td>{OpenbPowerRow.At(row.Grar, 1.0):F4}</td></tr>"));
        }

        html.Append("</tbody></table>");
    }

    private static int IndexOf(IReadOnlyList<string> policies, string policy)
    {
        for (var i = 0; i < policies.Count; i++)
        {
            if (policies[i] == policy)
            {
                return i;
            }
        }

        return 0;
    }

    private static List<(double X, double Y)> Points(double[] series, Func<double, double> map)
    {
        var points = new List<(double X, double Y)>(series.Length);
        for (var k = 0; k < series.Length; k++)
        {
            if (double.IsFinite(series[k]))
            {
                points.Add((PowerCurve.Grid(k), map(series[k])));
            }
        }

        return points;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
