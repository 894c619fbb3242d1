namespace Lepton.Simulation.Jobs;

/// <summary>The median of a sample with a distribution-free 95 % confidence interval for it (order statistics of the
/// binomial(n, ½)); with fewer than 6 values the interval is the whole range.</summary>
public readonly record struct MedianInterval(double Median, double Low, double High, int Count)
{
    /// <summary>The median and interval of <paramref name="values"/> (non-finite values ignored; NaN when none is left).</summary>
    public static MedianInterval Of(IEnumerable<double> values)
    {
        var sorted = values.Where(double.IsFinite).Order().ToArray();
        var n = sorted.Length;
        if (n == 0)
        {
            return new MedianInterval(double.NaN, double.NaN, double.NaN, 0);
        }

        var median = n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2;
        // Largest k with P(Binomial(n, ½) < k) ≤ 2.5 %: then [x(k), x(n+1−k)] covers the median with ≥ 95 %.
        var k = 0;
        var cumulative = 0.0;
        for (var j = 0; j < n; j++)
        {
            cumulative += Binomial(n, j) / Math.Pow(2, n);
            if (cumulative > 0.025)
            {
                break;
            }

            k = j + 1;
        }

        return k == 0 ? new MedianInterval(median, sorted[0], sorted[^1], n) : new MedianInterval(median, sorted[k - 1], sorted[n - k], n);
    }

    private static double Binomial(int n, int k)
    {
        var result = 1.0;
        for (var i = 1; i <= k; i++)
        {
            result = result * (n - k + i) / i;
        }

        return result;
    }
}
