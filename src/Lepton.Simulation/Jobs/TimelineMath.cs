namespace Lepton.Simulation.Jobs;

/// <summary>Time integrals over a step-wise <see cref="UtilisationSample"/> timeline.</summary>
public static class TimelineMath
{
    /// <summary>∫ value dt over [start, end] in value·hours, holding each sample's value until the next sample (and the
    /// last one until <paramref name="end"/>); before the first sample the value counts as 0.</summary>
    public static double Integrate(IReadOnlyList<UtilisationSample> timeline, TimeSpan start, TimeSpan end, Func<UtilisationSample, double> value)
    {
        ArgumentNullException.ThrowIfNull(timeline);
        ArgumentNullException.ThrowIfNull(value);
        var total = 0.0;
        for (var i = 0; i < timeline.Count; i++)
        {
            var from = timeline[i].Time < start ? start : timeline[i].Time;
            var to = i + 1 < timeline.Count ? timeline[i + 1].Time : end;
            if (to > end)
            {
                to = end;
            }

            if (to > from)
            {
                total += value(timeline[i]) * (to - from).TotalHours;
            }
        }

        return total;
    }

    /// <summary>Time-weighted mean of <paramref name="value"/> over [start, end]; NaN for an empty window.</summary>
    public static double Mean(IReadOnlyList<UtilisationSample> timeline, TimeSpan start, TimeSpan end, Func<UtilisationSample, double> value) =>
        end > start ? Integrate(timeline, start, end, value) / (end - start).TotalHours : double.NaN;
}
