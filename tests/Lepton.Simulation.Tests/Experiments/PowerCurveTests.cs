using Lepton.Simulation.Experiments;

namespace Lepton.Simulation.Tests.Experiments;

public sealed class PowerCurveTests
{
    [Fact]
    public void Record_FirstSampleAtEachX_InterpolatedAndFilled()
    {
        // Capacity 1000 milli: x = arrived / 1000; grid step 0.005.
        var curve = new PowerCurve(1000, 0.02);
        curve.Record(2, 2, 100, 60, 40);      // x = 0.002: back-fills x = 0
        curve.Record(2, 2, 999, 0, 0);        // same x: ignored
        curve.Record(12, 10, 200, 100, 100);  // x = 0.012
        var series = curve.ToSeries();

        Assert.Equal(5, series.Points);
        Assert.Equal(100, series.Watts[0]);
        Assert.Equal(100 + (100 * 0.3), series.Watts[1], 9);      // x = 0.005 is 0.3 of the way from 0.002 to 0.012
        Assert.Equal(100 + (100 * 0.8), series.Watts[2], 9);      // x = 0.010
        Assert.Equal(200, series.Watts[3]);                       // forward-filled
        Assert.Equal(200, series.Watts[4]);
        Assert.Equal(2 + (8 * 0.8), series.UsedMilli[2], 9);
    }
}
