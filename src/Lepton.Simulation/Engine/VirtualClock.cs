namespace Lepton.Simulation.Engine;

/// <summary>A <see cref="TimeProvider"/> whose time moves only when the simulation advances it.</summary>
/// <remarks>
/// Core reads time only through an injected <see cref="TimeProvider"/>; handing it this clock is what makes a simulated
/// run indistinguishable from a live one for the placement code. Time never moves backwards.
/// </remarks>
public sealed class VirtualClock(DateTimeOffset epoch) : TimeProvider
{
    /// <summary>A clock starting at 2000-01-01T00:00:00Z, so printed simulated timestamps are obviously not wall time.</summary>
    public VirtualClock()
        : this(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero))
    {
    }

    /// <summary>The wall-clock instant that simulated time zero maps to.</summary>
    public DateTimeOffset Epoch { get; } = epoch;

    /// <summary>Simulated time elapsed since <see cref="Epoch"/>.</summary>
    public TimeSpan Elapsed { get; private set; }

    /// <inheritdoc/>
    public override DateTimeOffset GetUtcNow() => Epoch + Elapsed;

    /// <inheritdoc/>
    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    /// <summary>Moves the clock to <paramref name="elapsed"/>.</summary>
    /// <exception cref="InvalidOperationException">The new time is earlier than the current one.</exception>
    public void AdvanceTo(TimeSpan elapsed)
    {
        if (elapsed < Elapsed)
        {
            throw new InvalidOperationException($"virtual time cannot go back from {Elapsed} to {elapsed}");
        }

        Elapsed = elapsed;
    }
}
