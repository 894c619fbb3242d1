namespace Lepton.Simulation.Reports;

/// <summary>One line of a chart: its label, colour, points (NaN y breaks the line) and whether it is drawn dashed.</summary>
/// <param name="Name">Legend label.</param>
/// <param name="Colour">CSS colour.</param>
/// <param name="Points">Points in data coordinates, in x order.</param>
/// <param name="Dashed">True for a dashed line (used for published reference curves).</param>
/// <param name="Step">True to draw a step function (the value holds until the next point), as for utilisation over time.</param>
/// <param name="StrokeWidth">Line width; null for the stylesheet's default. Wider lines drawn first stay visible under identical ones.</param>
public sealed record ChartSeries(string Name, string Colour, IReadOnlyList<(double X, double Y)> Points, bool Dashed = false, bool Step = false, double? StrokeWidth = null)
{
    /// <summary>A series from values indexed by x = 0, 1, 2, …</summary>
    public static ChartSeries FromGrid(string name, string colour, IReadOnlyList<double> values, bool dashed = false) =>
        new(name, colour, [.. values.Select((y, x) => ((double)x, y))], dashed);
}
