using Lepton.Simulation.Experiments;

namespace Lepton.Simulation.Tests.Experiments;

public sealed class ArrivedGridTests
{
    // A 10-GPU cluster: 1 % of capacity is 100 milli, so arrived milli / 100 is the arrived %.
    private const long Gpus = 10;

    [Theory]
    [InlineData(50, 0)]    // 0.5 % rounds half to even: 0
    [InlineData(150, 2)]   // 1.5 % → 2
    [InlineData(250, 2)]   // 2.5 % → 2
    [InlineData(349, 3)]
    [InlineData(351, 4)]
    public void ArriveRatio_HalfWay_RoundsHalfToEven(long arrivedMilli, long expected) =>
        Assert.Equal(expected, ArrivedGrid.ArriveRatio(arrivedMilli, Gpus));

    [Fact]
    public void ToSeries_EventsInOneBucket_AveragesAndRoundsAllocation()
    {
        var grid = new ArrivedGrid(Gpus, 3);
        grid.Record(new OpenbEvent(100, 100, 0, 9900));   // bucket 1, alloc 1.00
        grid.Record(new OpenbEvent(110, 111, 0, 9889));   // bucket 1, alloc 1.11
        grid.Record(new OpenbEvent(200, 200, 0, 9800));   // bucket 2
        grid.Record(new OpenbEvent(300, 250, 0, 9750));   // bucket 3

        var series = grid.ToSeries();

        Assert.Equal(1.06, series.AllocationPct[1]);          // Python: round((1.0 + 1.11) / 2, 2) == 1.06
        Assert.Equal(2.0, series.AllocationPct[2]);
        Assert.Equal(2.5, series.AllocationPct[3]);
    }

    [Fact]
    public void ToSeries_EmptyColumn_FallsBackToNeighbours()
    {
        var grid = new ArrivedGrid(Gpus, 5);
        grid.Record(new OpenbEvent(100, 100, 0, 9900));   // bucket 1
        grid.Record(new OpenbEvent(300, 200, 0, 9800));   // bucket 3, bucket 2 is empty

        var series = grid.ToSeries();

        Assert.Equal(1.5, series.AllocationPct[2]);       // mean of buckets 1..3
        Assert.Equal(1.0, series.AllocationPct[0]);       // bucket 0 empty → mean of 0..1
        Assert.Equal(2.0, series.AllocationPct[4]);       // bucket 4 empty → mean of 3..5
        Assert.True(double.IsNaN(series.AllocationPct[5]));  // 4..6 hold nothing: missing
    }

    [Fact]
    public void ToSeries_NoEventNearColumn_IsMissing()
    {
        var grid = new ArrivedGrid(Gpus, 6);
        grid.Record(new OpenbEvent(100, 100, 0, 9900));

        var series = grid.ToSeries();

        Assert.Equal(1.0, series.AllocationPct[2]);
        Assert.True(double.IsNaN(series.AllocationPct[3]));
        Assert.True(double.IsNaN(series.AllocationPct[6]));
    }

    [Fact]
    public void ToSeries_CpuOnlyEventsKeepArrived_WeighIntoPrecedingBucket()
    {
        var grid = new ArrivedGrid(Gpus, 2);
        grid.Record(new OpenbEvent(200, 200, 0, 9800));   // a GPU pod: bucket 2, alloc 2.00
        grid.Record(new OpenbEvent(200, 200, 0, 9800));   // a CPU-only pod: arrived unchanged
        grid.Record(new OpenbEvent(200, 100, 0, 9900));   // another event in bucket 2 with alloc 1.00

        Assert.Equal(3, grid.Events);
        Assert.Equal(1.67, grid.ToSeries().AllocationPct[2]);
    }

    [Fact]
    public void ToSeries_Fragmentation_PercentOfCapacityAndRatioOfIdle()
    {
        var grid = new ArrivedGrid(Gpus, 1);
        grid.Record(new OpenbEvent(100, 100, 1234.5678, 9900));

        var series = grid.ToSeries();

        Assert.Equal(12.35, series.FragmentationPct[1]);                   // round(100 · 1234.57 / 1000 / 10, 2)
        Assert.Equal(12.47, series.FragmentationRatioPct[1], 10);          // round(100 · 1234.5678 / 9900, 2)
    }
}
