namespace Lepton.Simulation.Experiments;

/// <summary>One (trace, policy) of an openb sweep on the PWR grid: seed-averaged power and allocation, and the saving against FGD.</summary>
/// <param name="Trace">Workload name.</param>
/// <param name="Policy">Policy name.</param>
/// <param name="Seeds">Runs averaged.</param>
/// <param name="Watts">Mean cluster power per grid point (x = k · 0.005).</param>
/// <param name="CpuWatts">Its CPU part.</param>
/// <param name="GpuWatts">Its GPU part.</param>
/// <param name="Grar">GPU resource allocation ratio, mean used over mean arrived (NaN at x = 0).</param>
/// <param name="SavingPct">Power saved against <c>fgd</c> of the same trace, % of FGD's power; null when the sweep has no fgd.</param>
public sealed record OpenbPowerRow(
    string Trace, string Policy, int Seeds, double[] Watts, double[] CpuWatts, double[] GpuWatts, double[] Grar, double[]? SavingPct)
{
    /// <summary>The policy power savings are measured against (PWR-SPEC §3).</summary>
    public const string Baseline = "fgd";

    /// <summary>The x values the summary table shows.</summary>
    public static IReadOnlyList<double> Columns { get; } = [0.1, 0.3, 0.5, 0.7, 0.8, 0.9, 1.0];

    /// <summary>Mean saving against FGD over x in [0.10, 0.90] (the grid points in it), or NaN without a baseline.</summary>
    public double MeanSaving10To90 => SavingPct is null ? double.NaN : Mean(SavingPct, 0.10, 0.90);

    /// <summary>The value of <paramref name="series"/> at x (NaN off the grid).</summary>
    public static double At(double[] series, double x)
    {
        ArgumentNullException.ThrowIfNull(series);
        var k = (int)Math.Round(x * PowerCurve.PointsPerUnit, MidpointRounding.AwayFromZero);
        return k >= 0 && k < series.Length ? series[k] : double.NaN;
    }

    /// <summary>Builds one row per (trace, policy) of the runs that recorded power, in the order they first appear.</summary>
    public static IReadOnlyList<OpenbPowerRow> Build(IReadOnlyList<OpenbRunResult> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var means = new List<(string Trace, string Policy, int Seeds, double[] W, double[] C, double[] G, double[] Grar)>();
        foreach (var group in runs.Where(r => r.Power is not null).GroupBy(r => (r.Trace, r.Policy)))
        {
            var series = group.Select(r => r.Power!).ToList();
            var points = series.Min(s => s.Points);
            var used = MeanOf(series, s => s.UsedMilli, points);
            var arrived = MeanOf(series, s => s.ArrivedMilli, points);
            var grar = new double[points];
            for (var k = 0; k < points; k++)
            {
                grar[k] = arrived[k] > 0 ? used[k] / arrived[k] : double.NaN;
            }

            means.Add((group.Key.Trace, group.Key.Policy, series.Count, MeanOf(series, s => s.Watts, points),
                MeanOf(series, s => s.CpuWatts, points), MeanOf(series, s => s.GpuWatts, points), grar));
        }

        var rows = new List<OpenbPowerRow>();
        foreach (var m in means)
        {
            var baseline = means.FirstOrDefault(b => b.Trace == m.Trace && b.Policy == Baseline);
            double[]? saving = null;
            if (baseline.W is not null)
            {
                var points = Math.Min(baseline.W.Length, m.W.Length);
                saving = new double[points];
                for (var k = 0; k < points; k++)
                {
                    saving[k] = baseline.W[k] > 0 ? (baseline.W[k] - m.W[k]) / baseline.W[k] * 100 : double.NaN;
                }
            }

            rows.Add(new OpenbPowerRow(m.Trace, m.Policy, m.Seeds, m.W, m.C, m.G, m.Grar, saving));
        }

        return rows;
    }

    private static double Mean(double[] series, double from, double to)
    {
        var first = (int)Math.Round(from * PowerCurve.PointsPerUnit);
        var last = Math.Min(series.Length - 1, (int)Math.Round(to * PowerCurve.PointsPerUnit));
        double sum = 0;
        var n = 0;
        for (var k = first; k <= last; k++)
        {
            if (double.IsFinite(series[k]))
            {
                sum += series[k];
                n++;
            }
        }

        return n == 0 ? double.NaN : sum / n;
    }

    private static double[] MeanOf(List<PowerSeries> series, Func<PowerSeries, double[]> column, int points)
    {
        var mean = new double[points];
        foreach (var s in series)
        {
            var values = column(s);
            for (var k = 0; k < points; k++)
            {
                mean[k] += values[k] / series.Count;
            }
        }

        return mean;
    }
}
