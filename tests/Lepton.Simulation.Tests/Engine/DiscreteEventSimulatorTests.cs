using Lepton.Simulation.Engine;

namespace Lepton.Simulation.Tests.Engine;

public sealed class DiscreteEventSimulatorTests
{
    [Fact]
    public void Run_HandlerSchedulesMore_ClockFollowsEventTimes()
    {
        var simulator = new DiscreteEventSimulator<string>();
        var seen = new List<(string, TimeSpan, DateTimeOffset)>();
        simulator.Schedule(TimeSpan.FromMinutes(10), 0, "start");
        simulator.Run((e, _) =>
        {
            seen.Add((e, simulator.Now, simulator.Clock.GetUtcNow()));
            if (e == "start")
            {
                simulator.ScheduleAfter(TimeSpan.FromMinutes(5), 0, "follow-up");
            }
        });

        Assert.Equal(2, seen.Count);
        Assert.Equal(("start", TimeSpan.FromMinutes(10)), (seen[0].Item1, seen[0].Item2));
        Assert.Equal(("follow-up", TimeSpan.FromMinutes(15)), (seen[1].Item1, seen[1].Item2));
        Assert.Equal(simulator.Clock.Epoch + TimeSpan.FromMinutes(15), seen[1].Item3);
        Assert.Equal(2, simulator.Processed);
    }

    [Fact]
    public void Schedule_InThePast_Throws()
    {
        var simulator = new DiscreteEventSimulator<int>();
        simulator.Schedule(TimeSpan.FromSeconds(5), 0, 1);
        Exception? error = null;
        simulator.Run((_, _) => error = Record.Exception(() => simulator.Schedule(TimeSpan.FromSeconds(4), 0, 2)));
        Assert.IsType<ArgumentOutOfRangeException>(error);
    }

    [Fact]
    public void Run_SameInputsTwice_IdenticalEventOrder()
    {
        static List<int> Replay()
        {
            var simulator = new DiscreteEventSimulator<int>();
            var random = new Random(7);
            for (var i = 0; i < 500; i++)
            {
                simulator.Schedule(TimeSpan.FromSeconds(random.Next(20)), random.Next(3), i);
            }

            var order = new List<int>();
            simulator.Run((e, _) => order.Add(e));
            return order;
        }

        Assert.Equal(Replay(), Replay());
    }

    [Fact]
    public void AdvanceTo_Backwards_Throws()
    {
        var clock = new VirtualClock();
        clock.AdvanceTo(TimeSpan.FromHours(1));
        Assert.Throws<InvalidOperationException>(() => clock.AdvanceTo(TimeSpan.FromMinutes(59)));
        Assert.Equal(TimeSpan.FromHours(1), clock.Elapsed);
    }
}
