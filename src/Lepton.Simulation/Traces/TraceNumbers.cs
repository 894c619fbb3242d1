using System.Globalization;

namespace Lepton.Simulation.Traces;

/// <summary>Number parsing shared by the trace readers: any common notation (<c>42</c>, <c>42.0</c>, <c>2.67754e+06</c>).</summary>
internal static class TraceNumbers
{
    /// <summary>Parses a finite number, or returns false.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out double value) =>
        double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    /// <summary>A time field in seconds from a CSV record: non-negative and finite.</summary>
    public static double Seconds(CsvRecordReader csv, int column)
    {
        var value = csv.GetDouble(column);
        return value <= TimeSpan.MaxValue.TotalSeconds / 4 ? value : throw csv.Error(column, $"{value} s is too large");
    }

    /// <summary>How long a row of a lifetime trace (openb pods over time, Alibaba instances) ran: from <paramref name="start"/>
    /// (its scheduled time, checked against its creation) to its deletion; null when it has no deletion time (still alive
    /// when the trace ended: right-censored). Moves <paramref name="end"/> (the last time seen in the file) forward.</summary>
    /// <param name="csv">The record.</param>
    /// <param name="created">Its creation time, in seconds.</param>
    /// <param name="start">Its scheduled time, in seconds.</param>
    /// <param name="scheduled">The scheduled-time column, for messages.</param>
    /// <param name="deletion">The deletion-time column.</param>
    /// <param name="end">The latest time seen so far in the file.</param>
    public static double? RunSeconds(CsvRecordReader csv, double created, double start, int scheduled, int deletion, ref double end)
    {
        if (start < created)
        {
            throw csv.Error(scheduled, $"scheduled at {start} s, before its creation at {created} s");
        }

        end = Math.Max(end, start);
        if (csv.IsMissing(deletion))
        {
            return null;
        }

        var deleted = Seconds(csv, deletion);
        if (deleted < start)
        {
            throw csv.Error(deletion, $"deleted at {deleted} s, before it was scheduled at {start} s");
        }

        end = Math.Max(end, deleted);
        return deleted - start;
    }
}
