using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lepton.Simulation.Experiments;

namespace Lepton.Simulation.Reports;

/// <summary>Adds the upper bound on GPU allocation (<c>simulate openb --bound</c>) to the openb JSON and HTML reports.</summary>
/// <remarks>Added to the finished documents rather than woven into their writers, so the reports without <c>--bound</c>
/// are byte for byte what they were.</remarks>
public static class OpenbBoundReport
{
    /// <summary>The JSON document with a <c>bound</c> array: per trace, <c>{"trace", "boundPct":{"90":{median,min,max},…},
    /// "perSeed":{"42":{"90":…}}, "gapPct":{"fgd":{"90":bound median − policy median,…}}}</c>.</summary>
    public static string AddToJson(string json, IReadOnlyList<OpenbBoundRow> bounds, IReadOnlyList<OpenbSummaryRow> summary)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(bounds);
        ArgumentNullException.ThrowIfNull(summary);
        var root = JsonNode.Parse(json)!.AsObject();
        var array = new JsonArray();
        foreach (var row in bounds)
        {
            var boundPct = new JsonObject();
            foreach (var (column, stats) in row.Bound)
            {
                boundPct[Key(column)] = new JsonObject { ["median"] = Value(stats.Median), ["min"] = Value(stats.Min), ["max"] = Value(stats.Max) };
            }

            var perSeed = new JsonObject();
            foreach (var (seed, values) in row.PerSeed)
            {
                var seedObject = new JsonObject();
                foreach (var (column, value) in values)
                {
                    seedObject[Key(column)] = Value(value);
                }

                perSeed[Key(seed)] = seedObject;
            }

            var gaps = new JsonObject();
            foreach (var policy in summary.Where(s => s.Trace == row.Trace))
            {
                var gap = new JsonObject();
                foreach (var column in OpenbSummaryRow.Columns)
                {
                    gap[Key(column)] = row.GapOf(policy, column) is { } g ? Math.Round(g, 4) : null;
                }

                gaps[policy.Policy] = gap;
            }

            array.Add(new JsonObject { ["trace"] = row.Trace, ["boundPct"] = boundPct, ["perSeed"] = perSeed, ["gapPct"] = gaps });
        }

        root["bound"] = array;
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>The HTML report with an "Upper bound" section (bound per trace and column, each policy's gap) before its footer.</summary>
    public static string AddToHtml(string html, IReadOnlyList<OpenbBoundRow> bounds, IReadOnlyList<OpenbSummaryRow> summary)
    {
        ArgumentNullException.ThrowIfNull(html);
        ArgumentNullException.ThrowIfNull(bounds);
        ArgumentNullException.ThrowIfNull(summary);
        var policies = summary.Select(s => s.Policy).Distinct().ToList();
        var section = new StringBuilder();
        section.Append("<section id=\"bound\"><h2>Upper bound on GPU allocation</h2><p>For each seed's arrival order, the LP relaxation of ");
        section.Append("offline packing of the pods arrived so far (aggregated by node shape and task shape): no policy, online or offline, ");
        section.Append("can allocate more. Cells: bound median over seeds, and below it each policy's gap (bound − policy median, percentage points).</p>");
        section.Append("<table class=\"summary\"><thead><tr><th>trace</th><th>policy</th>");
        foreach (var column in OpenbSummaryRow.Columns)
        {
            section.Append(Invariant($"<th>{column} %</th>"));
        }

        section.Append("</tr></thead><tbody>");
        foreach (var row in bounds)
        {
            section.Append(Invariant($"<tr><td>{Escape(row.Trace)}</td><td><b>bound</b></td>"));
            foreach (var column in OpenbSummaryRow.Columns)
            {
                var stats = row.Bound[column];
                section.Append("<td>").Append(double.IsFinite(stats.Median) ? Invariant($"<b>{stats.Median:F2}</b>") : "–").Append("</td>");
            }

            section.Append("</tr>");
            foreach (var policy in policies)
            {
                if (summary.FirstOrDefault(s => s.Trace == row.Trace && s.Policy == policy) is not { } ours)
                {
                    continue;
                }

                section.Append(Invariant($"<tr data-policy=\"{Escape(policy)}\"><td></td><td>gap of {Escape(policy)}</td>"));
                foreach (var column in OpenbSummaryRow.Columns)
                {
                    section.Append("<td>").Append(row.GapOf(ours, column) is { } g ? Invariant($"{g:F2}") : "–").Append("</td>");
                }

                section.Append("</tr>");
            }
        }

        section.Append("</tbody></table></section>");
        var at = html.LastIndexOf("</main>", StringComparison.Ordinal);
        return at < 0 ? html + section : html.Insert(at, section.ToString());
    }

    private static string Key(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static JsonNode? Value(double v) => double.IsFinite(v) ? JsonValue.Create(v) : null;

    private static string Escape(string text) => WebUtility.HtmlEncode(text);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
