namespace Lepton.Core.Placement;

/// <summary>A score plugin of a policy and its weight.</summary>
public readonly record struct WeightedScore(string Plugin, int Weight);
