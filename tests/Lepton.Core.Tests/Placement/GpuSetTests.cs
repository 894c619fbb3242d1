using Lepton.Core.Placement;

namespace Lepton.Core.Tests.Placement;

public sealed class GpuSetTests
{
    [Fact]
    public void Of_Indices_CountContainsAndAscendingEnumeration()
    {
        var set = GpuSet.Of(5, 0, 63);

        Assert.Equal(3, set.Count);
        Assert.True(set.Contains(63));
        Assert.False(set.Contains(1));
        Assert.False(set.Contains(64));
        Assert.Equal([0, 5, 63], set.ToArray());
        var seen = new List<int>();
        foreach (var i in set)
        {
            seen.Add(i);
        }

        Assert.Equal([0, 5, 63], seen);
    }

    [Fact]
    public void With_IndexOutOfRange_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => GpuSet.Empty.With(64));
    }
}
