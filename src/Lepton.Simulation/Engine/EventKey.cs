namespace Lepton.Simulation.Engine;

/// <summary>The ordering key of a simulation event: earlier time first, then lower priority value, then insertion order.</summary>
/// <remarks>
/// <see cref="Sequence"/> is assigned by the <see cref="EventQueue{TEvent}"/> in insertion order, so two events at the same
/// time and priority always come out in the order they were scheduled. That makes every run with the same inputs
/// replay the same way, which a plain heap keyed on time alone does not guarantee.
/// </remarks>
public readonly record struct EventKey(TimeSpan Time, int Priority, long Sequence) : IComparable<EventKey>
{
    /// <inheritdoc/>
    public int CompareTo(EventKey other)
    {
        var byTime = Time.CompareTo(other.Time);
        if (byTime != 0)
        {
            return byTime;
        }

        var byPriority = Priority.CompareTo(other.Priority);
        return byPriority != 0 ? byPriority : Sequence.CompareTo(other.Sequence);
    }

    public static bool operator <(EventKey left, EventKey right) => left.CompareTo(right) < 0;

    public static bool operator >(EventKey left, EventKey right) => left.CompareTo(right) > 0;

    public static bool operator <=(EventKey left, EventKey right) => left.CompareTo(right) <= 0;

    public static bool operator >=(EventKey left, EventKey right) => left.CompareTo(right) >= 0;
}
