namespace Lepton.Simulation.Experiments;

/// <summary>Median, minimum and maximum of a set of values (NaN values are ignored).</summary>
/// <param name="Median">Middle value; the mean of the two middle values for an even count (as the published analysis).</param>
/// <param name="Min">Smallest value.</param>
/// <param name="Max">Largest value.</param>
/// <param name="Count">Number of values.</param>
public readonly record struct Statistics(double Median, double Min, double Max, int Count)
{
    /// <summary>The statistics of <paramref name="values"/>; all NaN when there is none.</summary>
    public static Statistics Of(IEnumerable<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToArray();
        if (sorted.Length == 0)
        {
            return new Statistics(double.NaN, double.NaN, double.NaN, 0);
        }

        var mid = sorted.Length / 2;
        var median = sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        return new Statistics(median, sorted[0], sorted[^1], sorted.Length);
    }
}
