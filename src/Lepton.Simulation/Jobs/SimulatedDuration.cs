using System.Globalization;

namespace Lepton.Simulation.Jobs;

/// <summary>Parses a duration or time offset in a job file: a number with an optional unit <c>s</c>, <c>m</c>, <c>h</c> or
/// <c>d</c> (<c>90s</c>, <c>2.5h</c>); a plain number is seconds, in any common notation (<c>2.67754e+06</c>).</summary>
public static class SimulatedDuration
{
    /// <summary>Parses <paramref name="text"/>; false when it is not a non-negative duration.</summary>
    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var trimmed = text.Trim();
        if (trimmed.Length == 0)
        {
            return false;
        }

        var (number, secondsPerUnit) = char.ToLowerInvariant(trimmed[^1]) switch
        {
            's' => (trimmed[..^1], 1.0),
            'm' => (trimmed[..^1], 60.0),
            'h' => (trimmed[..^1], 3600.0),
            'd' => (trimmed[..^1], 86400.0),
            _ => (trimmed, 1.0),
        };
        if (!double.TryParse(number.Trim(), NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var value)
            || !double.IsFinite(value) || value * secondsPerUnit > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            return false;
        }

        duration = TimeSpan.FromSeconds(value * secondsPerUnit);
        return true;
    }
}
