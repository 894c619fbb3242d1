using Lepton.Simulation.Experiments;

namespace Lepton.Simulation.Tests.Experiments;

public sealed class StatisticsTests
{
    [Theory]
    [InlineData(new[] { 3.0 }, 3.0)]
    [InlineData(new[] { 5.0, 1.0, 3.0 }, 3.0)]
    [InlineData(new[] { 4.0, 1.0, 3.0, 2.0 }, 2.5)]
    [InlineData(new[] { 1.0, double.NaN, 3.0 }, 2.0)]
    public void Of_Values_MedianMinMaxIgnoringNaN(double[] values, double median)
    {
        var stats = Statistics.Of(values);
        var finite = values.Where(v => !double.IsNaN(v)).ToArray();
        Assert.Equal(new Statistics(median, finite.Min(), finite.Max(), finite.Length), stats);
    }

    [Fact]
    public void Of_Nothing_AllNaN() => Assert.True(double.IsNaN(Statistics.Of([]).Median));
}
