using System.Globalization;
using System.Text;
using Lepton.Simulation.Experiments;

namespace Lepton.Simulation.Reports;

/// <summary>Writes the power curves of an openb sweep as CSV, one row per (trace, policy, x):
/// <c>trace,policy,seeds,x,watts,cpu_watts,gpu_watts,grar,saving_vs_fgd_pct</c> (seed means on PWR-SPEC §3's grid).</summary>
public static class OpenbPowerCsvReport
{
    /// <summary>The CSV text.</summary>
    public static string Render(IReadOnlyList<OpenbPowerRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var text = new StringBuilder("trace,policy,seeds,x,watts,cpu_watts,gpu_watts,grar,saving_vs_fgd_pct\n");
        foreach (var row in rows)
        {
            for (var k = 0; k < row.Watts.Length; k++)
            {
                text.Append(row.Trace).Append(',').Append(row.Policy).Append(',').Append(row.Seeds.ToString(CultureInfo.InvariantCulture)).Append(',')
                    .Append(PowerCurve.Grid(k).ToString("0.###", CultureInfo.InvariantCulture)).Append(',')
                    .Append(Number(row.Watts[k])).Append(',').Append(Number(row.CpuWatts[k])).Append(',').Append(Number(row.GpuWatts[k])).Append(',')
                    .Append(Number(row.Grar[k])).Append(',')
                    .Append(row.SavingPct is { } s && k < s.Length ? Number(s[k]) : "").Append('\n');
            }
        }

        return text.ToString();
    }

    private static string Number(double v) => double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "";
}
