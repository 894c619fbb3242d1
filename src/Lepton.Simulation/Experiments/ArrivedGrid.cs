namespace Lepton.Simulation.Experiments;

/// <summary>Buckets per-pod events onto the integer "arrived %" grid exactly as the published openb analysis does.</summary>
/// <remarks>
/// FGD-SPEC §6. Per event: <c>arrive = round_half_even(arrived / gpus / 10)</c>, <c>alloc = round(used / gpus / 10, 2)</c>,
/// <c>frag = round(fragMilli, 2)</c>, <c>ratio = round(100 · fragMilli / idle, 2)</c> (Python rounding). Column
/// <c>a</c> averages the events with <c>arrive == a</c>; when there are none it averages those with
/// <c>a−1 ≤ arrive ≤ a+1</c>; when those are missing too the column is NaN. Allocation is rounded to 2 decimals,
/// fragmentation becomes <c>round(100 · mean / 1000 / gpus, 2)</c> (% of capacity), the ratio stays unrounded.
/// Events are accumulated per bucket as they arrive, so a run of 10,000 pods needs no event list.
/// </remarks>
public sealed class ArrivedGrid
{
    private readonly long _totalGpus;
    private readonly int _maxPercent;
    private readonly int[] _count;
    private readonly double[] _allocSum;
    private readonly double[] _fragSum;
    private readonly double[] _ratioSum;

    /// <summary>A grid for a cluster of <paramref name="totalGpus"/> GPUs with columns 0..<paramref name="maxPercent"/>.</summary>
    public ArrivedGrid(long totalGpus, int maxPercent)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(totalGpus);
        ArgumentOutOfRangeException.ThrowIfNegative(maxPercent);
        _totalGpus = totalGpus;
        _maxPercent = maxPercent;

        // One bucket past the last column: column maxPercent may fall back on its right neighbour.
        var buckets = maxPercent + 2;
        _count = new int[buckets];
        _allocSum = new double[buckets];
        _fragSum = new double[buckets];
        _ratioSum = new double[buckets];
    }

    /// <summary>Number of events recorded.</summary>
    public int Events { get; private set; }

    /// <summary>The arrived-% bucket of an event: Python <c>round(arrived / gpus / 10)</c>.</summary>
    public static long ArriveRatio(long arrivedMilli, long totalGpus) =>
        PythonRounding.RoundToInteger((double)arrivedMilli / totalGpus / 10);

    /// <summary>Records the state after one pod attempt.</summary>
    public void Record(OpenbEvent e)
    {
        var (arrivedMilli, usedMilli, fragMilli, idleMilli) = e;
        Events++;
        var bucket = ArriveRatio(arrivedMilli, _totalGpus);
        if (bucket < 0 || bucket >= _count.Length)
        {
            return;
        }

        var ratio = idleMilli > 0 ? 100.0 * fragMilli / idleMilli : 0.0;
        _count[bucket]++;
        _allocSum[bucket] += PythonRounding.Round((double)usedMilli / _totalGpus / 10, 2);
        _fragSum[bucket] += PythonRounding.Round(fragMilli, 2);
        _ratioSum[bucket] += PythonRounding.Round(ratio, 2);
    }

    /// <summary>The published-style columns 0..maxPercent.</summary>
    public GridSeries ToSeries()
    {
        var columns = _maxPercent + 1;
        var allocation = new double[columns];
        var fragmentation = new double[columns];
        var ratio = new double[columns];
        for (var a = 0; a < columns; a++)
        {
            int count;
            double alloc, frag, rat;
            if (_count[a] > 0)
            {
                (count, alloc, frag, rat) = (_count[a], _allocSum[a], _fragSum[a], _ratioSum[a]);
            }
            else
            {
                (count, alloc, frag, rat) = (0, 0.0, 0.0, 0.0);
                for (var b = Math.Max(0, a - 1); b <= a + 1; b++)
                {
                    count += _count[b];
                    alloc += _allocSum[b];
                    frag += _fragSum[b];
                    rat += _ratioSum[b];
                }
            }

            if (count == 0)
            {
                allocation[a] = fragmentation[a] = ratio[a] = double.NaN;
                continue;
            }

            allocation[a] = PythonRounding.Round(alloc / count, 2);
            fragmentation[a] = PythonRounding.Round(100 * (frag / count) / 1000 / _totalGpus, 2);
            ratio[a] = rat / count;
        }

        return new GridSeries(allocation, fragmentation, ratio);
    }
}
