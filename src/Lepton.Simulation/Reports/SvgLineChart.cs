using System.Globalization;
using System.Net;
using System.Text;

namespace Lepton.Simulation.Reports;

/// <summary>Renders a line chart as inline SVG (axes, grid, ticks, legend), so reports need no script and no network.</summary>
/// <remarks>Every series becomes one <c>&lt;path class="series" data-series="NAME"&gt;</c>; tests look for them.</remarks>
public sealed class SvgLineChart
{
    private const double Width = 640;
    private const double Height = 360;
    private const double Left = 56;
    private const double Right = 16;
    private const double Top = 34;
    private const double Bottom = 44;
    private const int LegendColumns = 4;
    private const double LegendRowHeight = 17;

    /// <summary>Chart title.</summary>
    public required string Title { get; init; }

    /// <summary>X-axis label.</summary>
    public required string XLabel { get; init; }

    /// <summary>Y-axis label.</summary>
    public required string YLabel { get; init; }

    /// <summary>X range; null fits the data.</summary>
    public (double Min, double Max)? XRange { get; init; }

    /// <summary>Y range; null fits the data (with a small margin).</summary>
    public (double Min, double Max)? YRange { get; init; }

    /// <summary>A name tests and styles can find the chart by (<c>data-chart</c>).</summary>
    public string Id { get; init; } = "chart";

    /// <summary>The lines.</summary>
    public IReadOnlyList<ChartSeries> Series { get; init; } = [];

    /// <summary>The SVG element.</summary>
    public string Render()
    {
        var (xMin, xMax) = XRange ?? Fit(Series.SelectMany(s => s.Points.Select(p => p.X)), 0);
        var (yMin, yMax) = YRange ?? Fit(Series.SelectMany(s => s.Points.Where(p => p.X >= xMin && p.X <= xMax).Select(p => p.Y)), 0.05);
        var plotWidth = Width - Left - Right;
        var plotHeight = Height - Top - Bottom;
        double Sx(double x) => Left + ((x - xMin) / (xMax - xMin) * plotWidth);
        double Sy(double y) => Top + plotHeight - ((y - yMin) / (yMax - yMin) * plotHeight);

        var svg = new StringBuilder();
        var legendCount = Series.Count(s => !s.Dashed) + (Series.Any(s => s.Dashed) ? 1 : 0);
        var totalHeight = Height + (Math.Ceiling(legendCount / (double)LegendColumns) * LegendRowHeight) + 6;
        svg.Append(Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" data-chart=\"{Escape(Id)}\" viewBox=\"0 0 {Width} {totalHeight}\" role=\"img\" aria-label=\"{Escape(Title)}\">"));
        svg.Append(Invariant($"<text class=\"title\" x=\"{Left}\" y=\"20\">{Escape(Title)}</text>"));
        svg.Append(Invariant($"<defs><clipPath id=\"clip-{Escape(Id)}\"><rect x=\"{Left}\" y=\"{Top}\" width=\"{plotWidth}\" height=\"{plotHeight}\"/></clipPath></defs>"));

        foreach (var tick in Ticks(yMin, yMax))
        {
            var y = Sy(tick);
            svg.Append(Invariant($"<line class=\"grid\" x1=\"{Left}\" y1=\"{y:F1}\" x2=\"{Left + plotWidth}\" y2=\"{y:F1}\"/>"));
            svg.Append(Invariant($"<text class=\"tick\" x=\"{Left - 6}\" y=\"{y + 4:F1}\" text-anchor=\"end\">{Label(tick)}</text>"));
        }

        foreach (var tick in Ticks(xMin, xMax))
        {
            var x = Sx(tick);
            svg.Append(Invariant($"<line class=\"grid\" x1=\"{x:F1}\" y1=\"{Top}\" x2=\"{x:F1}\" y2=\"{Top + plotHeight}\"/>"));
            svg.Append(Invariant($"<text class=\"tick\" x=\"{x:F1}\" y=\"{Top + plotHeight + 16}\" text-anchor=\"middle\">{Label(tick)}</text>"));
        }

        svg.Append(Invariant($"<rect class=\"frame\" x=\"{Left}\" y=\"{Top}\" width=\"{plotWidth}\" height=\"{plotHeight}\"/>"));
        svg.Append(Invariant($"<text class=\"axis\" x=\"{Left + (plotWidth / 2)}\" y=\"{Height - 8}\" text-anchor=\"middle\">{Escape(XLabel)}</text>"));
        svg.Append(Invariant($"<text class=\"axis\" transform=\"translate(14 {Top + (plotHeight / 2)}) rotate(-90)\" text-anchor=\"middle\">{Escape(YLabel)}</text>"));

        svg.Append(Invariant($"<g clip-path=\"url(#clip-{Escape(Id)})\">"));
        foreach (var series in Series)
        {
            var path = PathData(series, Sx, Sy);
            if (path.Length == 0)
            {
                continue;
            }

            var dash = series.Dashed ? " stroke-dasharray=\"5 4\" stroke-opacity=\"0.75\"" : "";
            if (series.StrokeWidth is { } strokeWidth)
            {
                dash += Invariant($" style=\"stroke-width:{strokeWidth}px\"");
            }

            svg.Append(Invariant($"<path class=\"series{(series.Dashed ? " reference" : "")}\" data-series=\"{Escape(series.Name)}\" d=\"{path}\" stroke=\"{Escape(series.Colour)}\"{dash}><title>{Escape(series.Name)}</title></path>"));
        }

        svg.Append("</g>");

        // Legend below the plot, never over the lines: solid series in columns, then the dashed reference entry.
        var entries = Series.Where(s => !s.Dashed).Select(s => (s.Name, s.Colour, Dashed: false)).ToList();
        if (Series.Any(s => s.Dashed))
        {
            entries.Add(("published median", "#666", true));
        }

        for (var i = 0; i < entries.Count; i++)
        {
            var lx = Left + ((i % LegendColumns) * ((Width - Left - Right) / LegendColumns));
            var ly = Height + 14 + ((i / LegendColumns) * LegendRowHeight);
            var dash = entries[i].Dashed ? " stroke-dasharray=\"5 4\"" : "";
            svg.Append(Invariant($"<line x1=\"{lx:F1}\" y1=\"{ly - 4}\" x2=\"{lx + 18:F1}\" y2=\"{ly - 4}\" stroke=\"{Escape(entries[i].Colour)}\" stroke-width=\"2.5\"{dash}/>"));
            svg.Append(Invariant($"<text class=\"legend\" x=\"{lx + 24:F1}\" y=\"{ly}\">{Escape(entries[i].Name)}</text>"));
        }

        svg.Append("</svg>");
        return svg.ToString();
    }

    private static string PathData(ChartSeries series, Func<double, double> sx, Func<double, double> sy)
    {
        var d = new StringBuilder();
        var penDown = false;
        double? previousY = null;
        foreach (var (x, y) in series.Points)
        {
            if (!double.IsFinite(x) || !double.IsFinite(y))
            {
                penDown = false;
                previousY = null;
                continue;
            }

            if (penDown && series.Step && previousY is { } held)
            {
                d.Append(Invariant($"L{sx(x):F1},{sy(held):F1}"));
            }

            d.Append(Invariant($"{(penDown ? 'L' : 'M')}{sx(x):F1},{sy(y):F1}"));
            penDown = true;
            previousY = y;
        }

        return d.ToString();
    }

    private static (double, double) Fit(IEnumerable<double> values, double margin)
    {
        var finite = values.Where(double.IsFinite).ToArray();
        if (finite.Length == 0)
        {
            return (0, 1);
        }

        var (min, max) = (finite.Min(), finite.Max());
        if (max - min < 1e-9)
        {
            return (min - 1, max + 1);
        }

        var pad = (max - min) * margin;
        return (min - pad, max + pad);
    }

    /// <summary>About six "nice" ticks (1, 2 or 5 × 10^k apart) inside [min, max].</summary>
    private static IEnumerable<double> Ticks(double min, double max)
    {
        var raw = (max - min) / 6;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var normalised = raw / magnitude;
        double multiple = normalised switch
        {
            < 1.5 => 1,
            < 3.5 => 2,
            < 7.5 => 5,
            _ => 10,
        };
        var step = multiple * magnitude;
        for (var t = Math.Ceiling(min / step) * step; t <= max + (step * 1e-9); t += step)
        {
            yield return Math.Round(t, 10);
        }
    }

    private static string Label(double value) => value.ToString(Math.Abs(value) >= 100 || value == Math.Floor(value) ? "0" : "0.##", CultureInfo.InvariantCulture);

    private static string Escape(string text) => WebUtility.HtmlEncode(text);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
