namespace Lepton.Core.Prediction;

/// <summary>What is known about a job when it is submitted, for predicting its run time.</summary>
/// <param name="Tenant">Owning tenant.</param>
/// <param name="User">Submitting user (empty when unknown).</param>
/// <param name="Name">Job name (empty when unknown).</param>
/// <param name="Command">Command line (empty when unknown).</param>
/// <param name="GpuMilli">GPU the whole job asks for, in milli-GPU.</param>
/// <param name="Replicas">Gang size.</param>
/// <param name="GpuModel">GPU model it runs on or asks for (empty: any).</param>
/// <param name="DeclaredLimit">The time limit the submitter declared, if any (a job never runs longer).</param>
public sealed record RuntimeFeatures(string Tenant, string User, string Name, string Command, long GpuMilli, int Replicas, string GpuModel,
    TimeSpan? DeclaredLimit);
