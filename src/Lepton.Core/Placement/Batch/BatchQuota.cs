using Lepton.Core.Resources;

namespace Lepton.Core.Placement.Batch;

/// <summary>A hard cap on what a set of the batch's tasks (one tenant's) may take together in this batch.</summary>
/// <param name="Name">The tenant or quota name, for messages.</param>
/// <param name="Remaining">What the tasks may still take (quota minus what the tenant holds), in every resource.</param>
/// <param name="Tasks">Indices into <see cref="BatchProblem.Tasks"/> of the tasks the cap covers.</param>
public sealed record BatchQuota(string Name, ResourceVector Remaining, IReadOnlyList<int> Tasks);
