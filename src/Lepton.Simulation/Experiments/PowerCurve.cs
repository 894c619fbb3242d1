namespace Lepton.Simulation.Experiments;

/// <summary>Records cluster power and GPU allocation after every pod on PWR-SPEC §3's grid of arrived workload (x = 0, 0.005, …).</summary>
/// <remarks>
/// x is arrived GPU milli over the cluster's GPU milli. As the published analysis does, only the first sample at each
/// distinct x is kept, the samples are interpolated linearly onto the grid, and the grid is back-filled before the first
/// sample and forward-filled after the last. Samples arrive in order of x (arrived work only grows), so the grid is
/// filled as they come and no sample list is kept.
/// </remarks>
public sealed class PowerCurve
{
    /// <summary>Grid points per unit of x: the step is 0.005.</summary>
    public const int PointsPerUnit = 200;

    private readonly long _capacityMilli;
    private readonly double[][] _columns;
    private readonly double[] _last = new double[Columns];
    private double _lastX = double.NaN;
    private int _next;

    private const int Columns = 5;

    /// <summary>A curve for a cluster of <paramref name="capacityMilli"/> GPU milli, up to x = <paramref name="maxX"/>.</summary>
    public PowerCurve(long capacityMilli, double maxX)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacityMilli);
        _capacityMilli = capacityMilli;
        var points = (int)Math.Round(maxX * PointsPerUnit, MidpointRounding.AwayFromZero) + 1;
        _columns = [.. Enumerable.Range(0, Columns).Select(_ => new double[points])];
    }

    /// <summary>Records the state after one pod attempt.</summary>
    public void Record(long arrivedMilli, long usedMilli, double watts, double cpuWatts, double gpuWatts)
    {
        var x = (double)arrivedMilli / _capacityMilli;
        if (x <= _lastX)
        {
            return;   // not the first sample at this x
        }

        Span<double> values = [watts, cpuWatts, gpuWatts, usedMilli, arrivedMilli];
        var points = _columns[0].Length;
        if (double.IsNaN(_lastX))
        {
            // Back-fill: every grid point up to the first sample takes its values.
            for (; _next < points && Grid(_next) <= x; _next++)
            {
                Set(_next, values);
            }
        }
        else
        {
            for (; _next < points && Grid(_next) <= x; _next++)
            {
                var t = (Grid(_next) - _lastX) / (x - _lastX);
                for (var c = 0; c < Columns; c++)
                {
                    _columns[c][_next] = _last[c] + ((values[c] - _last[c]) * t);
                }
            }
        }

        values.CopyTo(_last);
        _lastX = x;
    }

    /// <summary>The grid series, forward-filled past the last sample (NaN everywhere when nothing was recorded).</summary>
    public PowerSeries ToSeries()
    {
        var points = _columns[0].Length;
        var copy = _columns.Select(c => (double[])c.Clone()).ToArray();
        for (var k = _next; k < points; k++)
        {
            for (var c = 0; c < Columns; c++)
            {
                copy[c][k] = double.IsNaN(_lastX) ? double.NaN : _last[c];
            }
        }

        return new PowerSeries(copy[0], copy[1], copy[2], copy[3], copy[4]);
    }

    /// <summary>x of grid point <paramref name="k"/>.</summary>
    public static double Grid(int k) => (double)k / PointsPerUnit;

    private void Set(int k, ReadOnlySpan<double> values)
    {
        for (var c = 0; c < Columns; c++)
        {
            _columns[c][k] = values[c];
        }
    }
}
