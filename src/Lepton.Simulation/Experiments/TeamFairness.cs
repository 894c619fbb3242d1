namespace Lepton.Simulation.Experiments;

/// <summary>One team's numbers in a <see cref="FairnessRun"/>.</summary>
/// <param name="Team">Tenant.</param>
/// <param name="Jobs">Jobs submitted.</param>
/// <param name="Finished">Jobs finished.</param>
/// <param name="AvgJctHours">Average finish − arrival of finished jobs.</param>
/// <param name="AvgSlowdown">Average JCT / run time of finished jobs.</param>
/// <param name="NormalisedShare">GPU-time received over GPU-time × JCT (1 = never waited).</param>
/// <param name="LongestWaitHours">Longest start − arrival (until the end for a job never started).</param>
public sealed record TeamFairness(string Team, int Jobs, int Finished, double AvgJctHours, double AvgSlowdown, double NormalisedShare, double LongestWaitHours);
