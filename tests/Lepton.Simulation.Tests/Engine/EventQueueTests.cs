using Lepton.Simulation.Engine;

namespace Lepton.Simulation.Tests.Engine;

public sealed class EventQueueTests
{
    [Fact]
    public void TryDequeue_MixedTimesAndPriorities_ComesOutByTimeThenPriorityThenInsertion()
    {
        var queue = new EventQueue<string>();
        queue.Enqueue(TimeSpan.FromHours(2), 0, "t2-p0");
        queue.Enqueue(TimeSpan.FromHours(1), 2, "t1-p2-first");
        queue.Enqueue(TimeSpan.FromHours(1), 0, "t1-p0");
        queue.Enqueue(TimeSpan.FromHours(1), 2, "t1-p2-second");
        queue.Enqueue(TimeSpan.FromHours(1), 1, "t1-p1");

        var order = new List<string>();
        while (queue.TryDequeue(out var payload, out _))
        {
            order.Add(payload);
        }

        Assert.Equal(["t1-p0", "t1-p1", "t1-p2-first", "t1-p2-second", "t2-p0"], order);
    }

    [Fact]
    public void Enqueue_ManyTies_SequenceKeepsInsertionOrder()
    {
        var queue = new EventQueue<int>();
        for (var i = 0; i < 1000; i++)
        {
            queue.Enqueue(TimeSpan.Zero, 0, i);
        }

        for (var i = 0; i < 1000; i++)
        {
            Assert.True(queue.TryDequeue(out var payload, out var key));
            Assert.Equal(i, payload);
            Assert.Equal(i, key.Sequence);
        }
    }

    [Theory]
    [InlineData(1, 0, 0, 2, 0, 0, -1)]
    [InlineData(1, 5, 0, 1, 4, 0, 1)]
    [InlineData(1, 5, 3, 1, 5, 4, -1)]
    [InlineData(1, 5, 3, 1, 5, 3, 0)]
    public void CompareTo_KeyFields_OrdersByTimePriorityThenSequence(int t1, int p1, long s1, int t2, int p2, long s2, int expected)
    {
        var a = new EventKey(TimeSpan.FromSeconds(t1), p1, s1);
        var b = new EventKey(TimeSpan.FromSeconds(t2), p2, s2);
        Assert.Equal(expected, Math.Sign(a.CompareTo(b)));
    }
}
