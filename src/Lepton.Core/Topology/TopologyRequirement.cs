namespace Lepton.Core.Topology;

/// <summary>A gang's wish to share one topology level (<c>topology: {required: rack}</c> or <c>{preferred: rack}</c>),
/// and whether each multi-GPU replica's GPUs must share one NVLink group.</summary>
/// <param name="Level">The level name (one of <see cref="NetworkTopology.Levels"/>, e.g. <c>rack</c>); null for none.</param>
/// <param name="Required">True: wait until one domain of <paramref name="Level"/> holds every replica; false: prefer it,
/// and fall back to the next level up, saying which level was given up.</param>
/// <param name="NvLink">True: a replica with several GPUs gets them inside one NVLink group of its node.</param>
public sealed record TopologyRequirement(string? Level, bool Required, bool NvLink = false);
