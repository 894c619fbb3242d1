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
}
