namespace Lepton.Core.Placement;

/// <summary>A policy's name and one-line description, as <c>lepton policies</c> lists them.</summary>
public sealed record PolicyInfo(string Name, string Description);
