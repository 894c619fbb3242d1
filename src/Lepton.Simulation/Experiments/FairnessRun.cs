namespace Lepton.Simulation.Experiments;

/// <summary>The fairness numbers of one mode of a <see cref="FairnessExperiment"/>.</summary>
/// <param name="Mode">no quotas, hard quotas or fair share.</param>
/// <param name="Teams">Per team.</param>
/// <param name="JainIndex">Jain's index over the teams' normalised shares (1 = perfectly even).</param>
/// <param name="GpuUtilisation">GPU-time run over GPUs × makespan.</param>
/// <param name="LongestWaitHours">The longest time any job waited for its (last) start.</param>
/// <param name="Unfinished">Jobs that never finished.</param>
/// <param name="Preemptions">Evictions (priority preemption and reclaim).</param>
/// <param name="MakespanHours">First arrival to last finish.</param>
public sealed record FairnessRun(string Mode, IReadOnlyList<TeamFairness> Teams, double JainIndex, double GpuUtilisation, double LongestWaitHours,
    int Unfinished, int Preemptions, double MakespanHours);
