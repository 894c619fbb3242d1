namespace Lepton.Core.Power;

/// <summary>One GPU's power figures: draw when nothing is allocated on it, and its maximum (TDP) once anything is.</summary>
/// <param name="Model">The GPU model the figures describe (the table's name, e.g. <c>A10</c> for openb's <c>G2</c>).</param>
/// <param name="IdleWatts">Draw with nothing allocated.</param>
/// <param name="MaxWatts">Draw with any allocation (PWR-SPEC §1.2: any fraction makes the GPU busy).</param>
public sealed record GpuPowerProfile(string Model, double IdleWatts, double MaxWatts);
