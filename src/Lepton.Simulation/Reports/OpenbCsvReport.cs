using System.Globalization;
using System.Text;
using Lepton.Simulation.Experiments;

namespace Lepton.Simulation.Reports;

/// <summary>Writes one CSV row per run with the allocation % on every grid column, laid out like the published
/// <c>analysis_allo_discrete.csv</c>: <c>workload,sc_policy,tune,seed,total_gpus,0,…,130</c>.</summary>
public static class OpenbCsvReport
{
    /// <summary>The CSV text for <paramref name="runs"/> on a cluster of <paramref name="totalGpus"/> GPUs.</summary>
    public static string Render(IReadOnlyList<OpenbRunResult> runs, double tune, long totalGpus)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var columns = runs.Count == 0 ? OpenbRun.GridColumns(tune) + 1 : runs.Max(r => r.Grid.AllocationPct.Length);
        var text = new StringBuilder();
        text.Append("workload,sc_policy,tune,seed,total_gpus");
        for (var a = 0; a < columns; a++)
        {
            text.Append(',').Append(a.ToString(CultureInfo.InvariantCulture));
        }

        text.Append('\n');
        foreach (var run in runs)
        {
            text.Append(run.Trace).Append(',').Append(run.Policy).Append(',')
                .Append(tune.ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(run.Seed.ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(totalGpus.ToString(CultureInfo.InvariantCulture));
            for (var a = 0; a < columns; a++)
            {
                text.Append(',');
                if (a < run.Grid.AllocationPct.Length && double.IsFinite(run.Grid.AllocationPct[a]))
                {
                    text.Append(run.Grid.AllocationPct[a].ToString("R", CultureInfo.InvariantCulture));
                }
            }

            text.Append('\n');
        }

        return text.ToString();
    }
}
