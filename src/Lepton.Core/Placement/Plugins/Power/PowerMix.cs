namespace Lepton.Core.Placement.Plugins.Power;

/// <summary>The integer plugin weights of a PWR policy: <c>pwr</c> is 1000/0, <c>pwr+fgd:200</c> is 200/800 (PWR-SPEC §2.3).</summary>
internal readonly record struct PowerMix(int PwrWeight, int FgdWeight);
