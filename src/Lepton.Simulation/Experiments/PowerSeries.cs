namespace Lepton.Simulation.Experiments;

/// <summary>One run's power and allocation on the PWR grid; index k is x = k · 0.005 of GPU capacity arrived (see <see cref="PowerCurve"/>).</summary>
/// <param name="Watts">Cluster power (PWR-SPEC §1's model).</param>
/// <param name="CpuWatts">Its CPU part.</param>
/// <param name="GpuWatts">Its GPU part.</param>
/// <param name="UsedMilli">Allocated GPU milli.</param>
/// <param name="ArrivedMilli">Arrived GPU milli (placed or not).</param>
public sealed record PowerSeries(double[] Watts, double[] CpuWatts, double[] GpuWatts, double[] UsedMilli, double[] ArrivedMilli)
{
    /// <summary>Number of grid points.</summary>
    public int Points => Watts.Length;

    /// <summary>The grid index of x (e.g. 1.0 → 200), or -1 when x is off the grid.</summary>
    public int IndexOf(double x)
    {
        var k = (int)Math.Round(x * PowerCurve.PointsPerUnit, MidpointRounding.AwayFromZero);
        return k >= 0 && k < Points ? k : -1;
    }
}
