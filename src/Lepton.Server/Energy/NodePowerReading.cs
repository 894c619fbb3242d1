namespace Lepton.Server.Energy;

/// <summary>A node's power right now: what its agent measured (CPU packages through RAPL, GPUs through nvidia-smi), or the
/// estimate from its allocation when it measured nothing.</summary>
/// <param name="Watts">Power in watts.</param>
/// <param name="Measured">True when <paramref name="Watts"/> is the sum of measured parts; false for an estimate.</param>
internal readonly record struct NodePowerReading(double Watts, bool Measured);
