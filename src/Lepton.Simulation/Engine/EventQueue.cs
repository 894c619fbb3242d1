namespace Lepton.Simulation.Engine;

/// <summary>A min-heap of simulation events ordered by <see cref="EventKey"/> (time, priority, sequence).</summary>
/// <typeparam name="TEvent">The event payload.</typeparam>
public sealed class EventQueue<TEvent>
{
    private readonly PriorityQueue<TEvent, EventKey> _heap = new();
    private long _nextSequence;

    /// <summary>Number of events waiting.</summary>
    public int Count => _heap.Count;

    /// <summary>Adds an event at <paramref name="time"/>; among events at the same time a lower <paramref name="priority"/> runs first.</summary>
    /// <returns>The key the event was filed under.</returns>
    public EventKey Enqueue(TimeSpan time, int priority, TEvent payload)
    {
        var key = new EventKey(time, priority, _nextSequence++);
        _heap.Enqueue(payload, key);
        return key;
    }

    /// <summary>Removes the earliest event, if any.</summary>
    public bool TryDequeue(out TEvent payload, out EventKey key) => _heap.TryDequeue(out payload!, out key);

    /// <summary>Looks at the earliest event without removing it.</summary>
    public bool TryPeek(out TEvent payload, out EventKey key) => _heap.TryPeek(out payload!, out key);
}
