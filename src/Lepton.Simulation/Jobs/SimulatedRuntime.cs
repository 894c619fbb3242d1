using Lepton.Core.Prediction;

namespace Lepton.Simulation.Jobs;

/// <summary>A simulated job's features for <see cref="RuntimePredictor"/>, and what remains of a running job by a prediction.</summary>
public static class SimulatedRuntime
{
    /// <summary>The features of <paramref name="job"/> (user from its <c>user</c> label, name from its <c>name</c> label).</summary>
    public static RuntimeFeatures Features(SimulatedJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return new RuntimeFeatures(job.Tenant, job.Labels.TryGetValue("user", out var user) ? user : "", job.Labels.TryGetValue("name", out var name) ? name : "", "",
            job.Replicas.Sum(r => r.TotalGpuMilli), job.Replicas.Count, "", job.DeclaredDuration);
    }

    /// <summary>What remains of a job predicted to run <paramref name="expected"/> that has run <paramref name="elapsed"/>:
    /// the difference, or, once it has outlived the prediction, half as long again as it has run so far.</summary>
    public static TimeSpan Remaining(TimeSpan expected, TimeSpan elapsed) => RuntimePrediction.Remaining(expected, elapsed);
}
