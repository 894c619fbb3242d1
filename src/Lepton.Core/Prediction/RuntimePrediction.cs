namespace Lepton.Core.Prediction;

/// <summary>A predicted run time with an uncertainty band.</summary>
/// <param name="Expected">The estimate (the median of the matching history, capped by the declared limit).</param>
/// <param name="Low">Lower edge of the band (the history's 25th percentile).</param>
/// <param name="High">Upper edge of the band (the history's 75th percentile, capped by the declared limit).</param>
/// <param name="Basis">What the estimate rests on, e.g. <c>user+name (12 jobs)</c>, <c>declared limit</c>.</param>
public sealed record RuntimePrediction(TimeSpan Expected, TimeSpan Low, TimeSpan High, string Basis)
{
    /// <summary>What remains of a job predicted to run <paramref name="expected"/> that has run <paramref name="elapsed"/>:
    /// the difference, or, once it has outlived the prediction, half as long again as it has run so far (so a job that
    /// overruns is never taken to end at once).</summary>
    public static TimeSpan Remaining(TimeSpan expected, TimeSpan elapsed) =>
        expected - elapsed > elapsed / 2 ? expected - elapsed : elapsed / 2 + TimeSpan.FromMinutes(1);
}
