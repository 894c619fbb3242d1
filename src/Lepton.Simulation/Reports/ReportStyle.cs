namespace Lepton.Simulation.Reports;

/// <summary>The shared look of Lepton's HTML reports: the stylesheet and a colour per policy.</summary>
internal static class ReportStyle
{
    /// <summary>Inline CSS for every report (no external fonts or files).</summary>
    public const string Css = """
        :root { --fg: #1d2330; --muted: #5b6475; --line: #d9dee7; --bg: #f6f7fb; --card: #fff; --good: #137a3a; --bad: #b42318; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--fg); background: var(--bg); }
        header { padding: 22px 32px 14px; background: #1d2330; color: #fff; }
        header h1 { margin: 0 0 4px; font-size: 22px; font-weight: 600; }
        header p { margin: 0; color: #c6cbd6; }
        main { padding: 18px 32px 40px; max-width: 1400px; }
        section { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 16px 20px; margin: 0 0 18px; overflow-x: auto; }
        h2 { font-size: 18px; margin: 0 0 10px; }
        h3 { font-size: 14px; margin: 14px 0 6px; color: var(--muted); font-weight: 600; }
        nav { display: flex; flex-wrap: wrap; gap: 4px 14px; margin-bottom: 6px; }
        nav a { color: #2456c7; text-decoration: none; }
        .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 12px; }
        svg.chart { width: 100%; height: auto; background: #fff; }
        svg.chart .title { font-size: 14px; font-weight: 600; fill: var(--fg); }
        svg.chart .tick { font-size: 11px; fill: var(--muted); }
        svg.chart .legend { font-size: 12px; fill: var(--muted); }
        svg.chart .axis { font-size: 12px; fill: var(--fg); }
        svg.chart .grid { stroke: #eceff4; stroke-width: 1; }
        svg.chart .frame { fill: none; stroke: #aab2c0; stroke-width: 1; }
        svg.chart path.series { fill: none; stroke-width: 2.2; stroke-linejoin: round; stroke-linecap: round; }
        svg.chart path.series.reference { stroke-width: 1.5; }
        table { border-collapse: collapse; margin: 6px 0; font-variant-numeric: tabular-nums; }
        th, td { border-bottom: 1px solid var(--line); padding: 5px 10px; text-align: right; white-space: nowrap; }
        th:first-child, td:first-child { text-align: left; }
        th { background: #f0f2f7; font-weight: 600; }
        td .sub { display: block; font-size: 11px; color: var(--muted); }
        .good { color: var(--good); } .bad { color: var(--bad); font-weight: 600; }
        .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; vertical-align: baseline; }
        .kpis { display: flex; flex-wrap: wrap; gap: 12px; margin: 4px 0 6px; }
        .kpi { border: 1px solid var(--line); border-radius: 8px; padding: 8px 14px; min-width: 150px; }
        .kpi b { display: block; font-size: 20px; }
        .kpi span { color: var(--muted); font-size: 12px; }
        footer { color: var(--muted); font-size: 12px; padding: 0 32px 24px; }
        """;

    /// <summary>A small inline script that marks, once the page has laid out, how many chart lines the browser actually
    /// drew (non-zero length): <c>body[data-rendered-series]</c>. Tests read it through headless Chromium.</summary>
    public const string RenderCheckScript = """
        <script>
        window.addEventListener('load', function () {
          var drawn = 0;
          document.querySelectorAll('svg.chart path.series').forEach(function (p) { if (p.getTotalLength() > 0) { drawn++; } });
          document.body.setAttribute('data-rendered-series', String(drawn));
        });
        </script>
        """;

    private static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"];

    /// <summary>A stable colour per policy: the published six keep the same colours in every report.</summary>
    public static string Colour(string policy, int fallbackIndex) => policy switch
    {
        "random" => "#8a8f98",
        "dotprod" => "#9467bd",
        "gpuclustering" => "#2ca02c",
        "gpupacking" => "#ff7f0e",
        "bestfit" => "#1f77b4",
        "fgd" => "#d62728",
        _ => Palette[fallbackIndex % Palette.Length],
    };
}
