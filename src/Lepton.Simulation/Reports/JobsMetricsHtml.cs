using System.Globalization;
using System.Net;
using System.Text;
using Lepton.Simulation.Jobs;

namespace Lepton.Simulation.Reports;

/// <summary>HTML tables of one run's <see cref="JobMetrics"/>: window means, then queueing delay, JCT and slowdown
/// percentiles overall, per tenant, per job size and per GPU model.</summary>
public static class JobsMetricsHtml
{
    /// <summary>The tables, as an HTML fragment.</summary>
    public static string Render(JobMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var html = new StringBuilder();
        html.Append(Invariant($"<p>Over {metrics.WindowStart.TotalHours:0.##}–{metrics.WindowEnd.TotalHours:0.##} h: GPU allocation {metrics.GpuAllocationPct:0.0} %, "));
        html.Append(Invariant($"fragmentation {metrics.FragmentationPct:0.0} % of idle GPU ({metrics.FragmentedGpus:0.##} GPUs), stranded {metrics.StrandedGpus:0.##} GPUs; "));
        html.Append(Invariant($"gang wait mean {Num(metrics.GangWaitHours.Mean)} h (p90 {Num(metrics.GangWaitHours.P90)} h); "));
        html.Append(Invariant($"SLO misses {metrics.SloMisses} of {metrics.JobsWithDeadline}; preemptions {metrics.Preemptions}.</p>"));
        html.Append("<table class=\"metrics\"><thead><tr><th>group</th><th>jobs</th><th>done</th>");
        foreach (var what in (string[])["queueing (h)", "JCT (h)", "slowdown"])
        {
            foreach (var stat in (string[])["mean", "p50", "p90", "p99"])
            {
                html.Append("<th>").Append(Escape(what + " " + stat)).Append("</th>");
            }
        }

        html.Append("</tr></thead><tbody>");
        Rows(html, "", [metrics.Overall]);
        Rows(html, "tenant ", metrics.ByTenant);
        Rows(html, "size ", metrics.BySize);
        Rows(html, "model ", metrics.ByGpuModel);
        html.Append("</tbody></table>");
        return html.ToString();
    }

    private static void Rows(StringBuilder html, string prefix, IReadOnlyList<JobGroupMetrics> groups)
    {
        foreach (var g in groups)
        {
            html.Append("<tr><td style=\"text-align:left\">").Append(Escape(prefix + g.Group)).Append(Invariant($"</td><td>{g.Jobs}</td><td>{g.Completed}</td>"));
            foreach (var d in (Distribution[])[g.QueueingDelayHours, g.CompletionHours, g.Slowdown])
            {
                html.Append(Invariant($"<td>{Num(d.Mean)}</td><td>{Num(d.P50)}</td><td>{Num(d.P90)}</td><td>{Num(d.P99)}</td>"));
            }

            html.Append("</tr>");
        }
    }

    /// <summary>A number with two decimals, or – when not finite.</summary>
    public static string Num(double value) => double.IsFinite(value) ? value.ToString("0.##", CultureInfo.InvariantCulture) : "–";

    private static string Escape(string text) => WebUtility.HtmlEncode(text);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
