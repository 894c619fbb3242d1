namespace Lepton.Core.Topology;

/// <summary>A job's input data (<c>data: {name, size, at}</c>): where it sits and how big it is, so that placement can
/// estimate the time to move it (D = L / C: size over the bottleneck bandwidth, plus latency).</summary>
/// <param name="Name">Dataset name, for messages.</param>
/// <param name="SizeMiB">Size in MiB.</param>
/// <param name="At">Where it sits: a label value of some topology level (<c>zone-a</c>) or <c>level=value</c>.</param>
/// <param name="RunTime">The job's expected run time when known: a placement away from the data is taken only while
/// the extra transfer time stays within <see cref="NetworkTopology.RemoteDataAllowance"/> of it; null: any room now
/// beats waiting.</param>
public sealed record DataRequirement(string Name, long SizeMiB, string At, TimeSpan? RunTime = null);
