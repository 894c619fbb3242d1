namespace Lepton.Core.Prediction;

/// <summary>A predicted run time with an uncertainty band.</summary>
/// <param name="Expected">The estimate (the median of the matching history, capped by the declared limit).</param>
/// <param name="Low">Lower edge of the band (the history's 25th percentile).</param>
/// <param name="High">Upper edge of the band (the history's 75th percentile, capped by the declared limit).</param>
/// <param name="Basis">What the estimate rests on, e.g. <c>user+name (12 jobs)</c>, <c>declared limit</c>.</param>
public sealed record RuntimePrediction(TimeSpan Expected, TimeSpan Low, TimeSpan High, string Basis);
