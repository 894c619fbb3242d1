namespace Lepton.Simulation.Experiments;

/// <summary>How well one method predicted the test jobs' run times.</summary>
/// <param name="Method">The method.</param>
/// <param name="Jobs">Test jobs.</param>
/// <param name="MedianAbsoluteErrorMinutes">Median of |predicted − actual|.</param>
/// <param name="WithinFactorTwo">Share of jobs predicted within a factor of 2 (actual / 2 ≤ predicted ≤ 2 × actual).</param>
/// <param name="BandCoverage">Share of actual run times inside the predicted band; null when the method gives none.</param>
public sealed record PredictionScore(string Method, int Jobs, double MedianAbsoluteErrorMinutes, double WithinFactorTwo, double? BandCoverage);
