namespace Lepton.Simulation.Experiments;

/// <summary>ETA error of one duration source: |forecast start − actual start| over the sampled jobs.</summary>
/// <param name="Durations">Where the forecast's durations came from.</param>
/// <param name="Jobs">Jobs asked about (that did start).</param>
/// <param name="MedianErrorHours">Median absolute error.</param>
/// <param name="P90ErrorHours">90th percentile of the absolute error.</param>
public sealed record EtaScore(string Durations, int Jobs, double MedianErrorHours, double P90ErrorHours);
