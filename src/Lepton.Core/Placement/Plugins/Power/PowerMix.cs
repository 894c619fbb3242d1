namespace Lepton.Core.Placement.Plugins.Power;

/// <summary>How a power-aware policy weighs power: <c>pwr</c> is 1000/0, <c>pwr+fgd:200</c> is 200/800 (PWR-SPEC §2.3);
/// a positive <see cref="WattsPerGpu"/> selects <c>powerfgd</c>'s cost instead (fragmentation growth in GPUs plus watts added
/// over WattsPerGpu, least wins).</summary>
/// <remarks><para>With <see cref="FullAt"/> below 1, power only counts while less than that share of the cluster's GPU milli is
/// allocated; beyond it fragmentation decides and power only breaks its ties.</para>
/// <para><see cref="Parts"/> selects what the power term sees (<see cref="PowerParts"/>); PWR-SPEC's policies see everything.</para></remarks>
internal readonly record struct PowerMix(int PwrWeight, int FgdWeight, double WattsPerGpu = 0, double FullAt = 1, PowerParts Parts = PowerParts.All);
