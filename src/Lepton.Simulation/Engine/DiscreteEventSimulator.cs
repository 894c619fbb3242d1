namespace Lepton.Simulation.Engine;

/// <summary>Runs events in (time, priority, sequence) order on a <see cref="VirtualClock"/>.</summary>
/// <typeparam name="TEvent">The event payload handed to the handler.</typeparam>
/// <remarks>
/// The loop pops the earliest event, advances the clock to its time and calls the handler, which may schedule more
/// events (never in the past). Ties at the same instant run by priority and then in scheduling order, so a run is a
/// pure function of its inputs.
/// </remarks>
public sealed class DiscreteEventSimulator<TEvent>(VirtualClock clock)
{
    private readonly EventQueue<TEvent> _queue = new();

    /// <summary>A simulator on a fresh clock starting at time zero.</summary>
    public DiscreteEventSimulator()
        : this(new VirtualClock())
    {
    }

    /// <summary>The simulation's clock.</summary>
    public VirtualClock Clock { get; } = clock;

    /// <summary>Current simulated time.</summary>
    public TimeSpan Now => Clock.Elapsed;

    /// <summary>Events still waiting.</summary>
    public int Pending => _queue.Count;

    /// <summary>Number of events handled so far.</summary>
    public long Processed { get; private set; }

    /// <summary>Schedules <paramref name="payload"/> at absolute simulated time <paramref name="time"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="time"/> is before <see cref="Now"/>.</exception>
    public EventKey Schedule(TimeSpan time, int priority, TEvent payload)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(time, Now);
        return _queue.Enqueue(time, priority, payload);
    }

    /// <summary>Schedules <paramref name="payload"/> <paramref name="delay"/> after <see cref="Now"/>.</summary>
    public EventKey ScheduleAfter(TimeSpan delay, int priority, TEvent payload) => Schedule(Now + delay, priority, payload);

    /// <summary>Handles events until none is left.</summary>
    public void Run(Action<TEvent, EventKey> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        while (_queue.TryDequeue(out var payload, out var key))
        {
            Clock.AdvanceTo(key.Time);
            Processed++;
            handler(payload, key);
        }
    }
}
