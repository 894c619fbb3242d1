namespace Lepton.Simulation.Jobs;

/// <summary>Summary of a sample: count, mean and the 50th, 90th and 99th percentiles (nearest rank); NaN when empty.</summary>
public readonly record struct Distribution(int Count, double Mean, double P50, double P90, double P99)
{
    /// <summary>The summary of <paramref name="values"/>.</summary>
    public static Distribution Of(IEnumerable<double> values)
    {
        var sorted = values.Where(double.IsFinite).Order().ToArray();
        if (sorted.Length == 0)
        {
            return new Distribution(0, double.NaN, double.NaN, double.NaN, double.NaN);
        }

        double Rank(double q) => sorted[Math.Max(0, (int)Math.Ceiling(q * sorted.Length) - 1)];
        return new Distribution(sorted.Length, sorted.Average(), Rank(0.5), Rank(0.9), Rank(0.99));
    }
}
