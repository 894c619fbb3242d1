using System.Globalization;
using System.Net;
using System.Text;
using Lepton.Simulation.Jobs;

namespace Lepton.Simulation.Reports;

/// <summary>Renders a job-trace simulation as one self-contained HTML page: headline metrics, utilisation per resource
/// over time, running and queued jobs over time, a per-node timeline of the jobs and the job table.</summary>
public static class JobsHtmlReport
{
    /// <summary>The HTML document.</summary>
    public static string Render(JobSimulationResult result, string clusterName, string jobsName, JobMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        metrics ??= JobMetrics.Of(result);
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        html.Append("<title>Lepton simulation: job trace</title><style>").Append(ReportStyle.Css).Append("</style></head><body>");
        html.Append("<header><h1>Job-trace simulation</h1><p>");
        html.Append(Escape(Invariant($"{jobsName} on {clusterName}: {result.Jobs.Count} jobs, policy {result.Policy}, queue {result.Discipline.Name}; {result.Completed} completed.")));
        html.Append("</p></header><main><section><h2>Summary</h2><div class=\"kpis\">");
        Kpi(html, "makespan", Hours(result.Makespan));
        Kpi(html, "average completion time", Hours(result.AverageCompletionTime));
        Kpi(html, "p99 completion time", Hours(result.P99CompletionTime));
        Kpi(html, "average queueing delay", Hours(result.AverageQueueingDelay));
        Kpi(html, double.IsNaN(result.Utilisation.GpuPct) ? "CPU utilisation" : "GPU utilisation", Invariant($"{result.HeadlineUtilisationPct:F1} %"));
        Kpi(html, "cluster cost (price × makespan)", Invariant($"{result.ClusterCost:F2}"));
        if (result.JobCost is { } jobCost)
        {
            Kpi(html, "total job cost", Invariant($"{jobCost:F2}"));
        }

        Kpi(html, "energy", Invariant($"{result.EnergyKWh:F2} kWh"));
        html.Append("</div></section><section><h2>Over time</h2><div class=\"charts\">");

        var end = result.End > result.Start ? result.End.TotalHours : result.Start.TotalHours + 1;
        var resources = new List<ChartSeries>();
        // Widest first: resources with identical curves (one job per machine) stay visible as nested lines.
        AddResource(resources, result, "gpu", "#d62728", 7, s => s.GpuPct);
        AddResource(resources, result, "cpu", "#1f77b4", 4.5, s => s.CpuPct);
        AddResource(resources, result, "memory", "#2ca02c", 2.2, s => s.MemoryPct);
        AddResource(resources, result, "fpga", "#9467bd", 2.2, s => s.FpgaPct);
        AddResource(resources, result, "network", "#ff7f0e", 2.2, s => s.NetworkPct);
        html.Append(new SvgLineChart
        {
            Id = "utilisation",
            Title = "Utilisation per resource",
            XLabel = "time (h)",
            YLabel = "allocated (% of capacity)",
            XRange = (result.Start.TotalHours, end),
            YRange = (0, 104),
            Series = resources,
        }.Render());
        html.Append(new SvgLineChart
        {
            Id = "jobs",
            Title = "Running and queued jobs",
            XLabel = "time (h)",
            YLabel = "jobs",
            XRange = (result.Start.TotalHours, end),
            YRange = (0, Math.Max(1, result.Timeline.Select(s => Math.Max(s.Running, s.Queued)).DefaultIfEmpty(0).Max()) * 1.1),
            Series =
            [
                Step("running", "#1f77b4", result, s => s.Running),
                Step("queued", "#ff7f0e", result, s => s.Queued),
            ],
        }.Render());
        // Drawn only when some GPU was ever fragmented or stranded; otherwise the metrics section says 0.
        if (result.TotalGpus > 0 && result.Timeline.Any(s => s.FragmentedGpus > 0 || s.StrandedGpus > 0))
        {
            html.Append(new SvgLineChart
            {
                Id = "fragmentation",
                Title = "Idle GPUs: fragmented (FGD) and stranded",
                XLabel = "time (h)",
                YLabel = "GPUs",
                XRange = (result.Start.TotalHours, end),
                YRange = (0, Math.Max(1, result.Timeline.Select(s => Math.Max(s.FragmentedGpus, s.StrandedGpus)).DefaultIfEmpty(0).Max()) * 1.1),
                Series =
                [
                    Step("fragmented", "#9467bd", result, s => s.FragmentedGpus),
                    Step("stranded", "#8c564b", result, s => s.StrandedGpus),
                ],
            }.Render());
        }

        html.Append("</div>");
        AppendGantt(html, result, end);
        html.Append("</section><section><h2>Metrics</h2>");
        html.Append(JobsMetricsHtml.Render(metrics));
        html.Append("</section><section><h2>Jobs</h2><table class=\"jobs\"><thead><tr><th>job</th><th>arrival (h)</th><th>start (h)</th><th>finish (h)</th><th>queued (h)</th><th>completion (h)</th><th>nodes</th><th>cost</th></tr></thead><tbody>");
        foreach (var job in result.Jobs)
        {
            html.Append(Invariant($"<tr><td>{Escape(job.Name)}</td><td>{job.Arrival.TotalHours:0.##}</td><td>{Opt(job.Start)}</td><td>{Opt(job.Finish)}</td><td>{Opt(job.QueueingDelay)}</td><td>{Opt(job.CompletionTime)}</td>"));
            html.Append("<td style=\"text-align:left\">").Append(job.PendingReason is { } reason ? "<span class=\"bad\">pending: " + Escape(reason) + "</span>" : Escape(string.Join(", ", job.Nodes))).Append("</td>");
            html.Append("<td>").Append(job.Cost is { } c ? Invariant($"{c:0.##}") : "–").Append("</td></tr>");
        }

        html.Append("</tbody></table></section></main><footer>Generated by lepton simulate jobs. Utilisation is the share of each resource's capacity allocated to running jobs; ");
        html.Append("energy integrates idle + (peak − idle) × utilisation per node (GPU share on GPU nodes, CPU share otherwise). ");
        html.Append("Costs are in the currency of the nodes' pricePerHour and the jobs' cost (Lepton converts none; write both in one, e.g. USD).</footer>").Append(ReportStyle.RenderCheckScript).Append("</body></html>");
        return html.ToString();
    }

    private static void AddResource(List<ChartSeries> series, JobSimulationResult result, string name, string colour, double width, Func<UtilisationSample, double> value)
    {
        if (result.Timeline.Count > 0 && !double.IsNaN(value(result.Timeline[0])))
        {
            series.Add(Step(name, colour, result, value) with { StrokeWidth = width });
        }
    }

    private static ChartSeries Step(string name, string colour, JobSimulationResult result, Func<UtilisationSample, double> value)
    {
        var points = result.Timeline.Select(s => (s.Time.TotalHours, value(s))).ToList();
        if (points.Count > 0)
        {
            // Hold the last value to the end so the final step is drawn.
            points.Add((Math.Max(result.End.TotalHours, points[^1].Item1), points[^1].Item2));
        }

        return new ChartSeries(name, colour, points, Step: true);
    }

    /// <summary>One row per node, one bar per job replica from start to finish.</summary>
    private static void AppendGantt(StringBuilder html, JobSimulationResult result, double end)
    {
        var nodes = result.Jobs.SelectMany(j => j.Nodes).Distinct().Order(StringComparer.Ordinal).ToList();
        if (nodes.Count == 0 || nodes.Count > 200)
        {
            return;
        }

        const double left = 110, right = 16, rowHeight = 22, top = 30, width = 1000;
        var height = top + (nodes.Count * rowHeight) + 30;
        var start = result.Start.TotalHours;
        var span = Math.Max(end - start, 1e-9);
        double X(double hours) => left + ((hours - start) / span * (width - left - right));
        html.Append(Invariant($"<h3>Jobs on nodes</h3><svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart gantt\" data-chart=\"gantt\" viewBox=\"0 0 {width} {height}\">"));
        for (var r = 0; r < nodes.Count; r++)
        {
            var y = top + (r * rowHeight);
            html.Append(Invariant($"<text class=\"tick\" x=\"{left - 8}\" y=\"{y + 15}\" text-anchor=\"end\">{Escape(nodes[r])}</text>"));
            html.Append(Invariant($"<line class=\"grid\" x1=\"{left}\" y1=\"{y + rowHeight}\" x2=\"{width - right}\" y2=\"{y + rowHeight}\"/>"));
        }

        var index = 0;
        foreach (var job in result.Jobs)
        {
            index++;
            if (job.Start is not { } s || job.Finish is not { } f)
            {
                continue;
            }

            var hue = (index * 47) % 360;
            foreach (var node in job.Nodes.Distinct())
            {
                var y = top + (nodes.IndexOf(node) * rowHeight) + 3;
                var x1 = X(s.TotalHours);
                var x2 = Math.Max(X(f.TotalHours), x1 + 1);
                html.Append(Invariant($"<g class=\"bar\" data-job=\"{Escape(job.Name)}\"><rect x=\"{x1:F1}\" y=\"{y}\" width=\"{x2 - x1:F1}\" height=\"{rowHeight - 6}\" rx=\"3\" fill=\"hsl({hue} 60% 62%)\" stroke=\"#fff\"/>"));
                html.Append(Invariant($"<text x=\"{x1 + 4:F1}\" y=\"{y + 12}\" font-size=\"10\" fill=\"#1d2330\">{Escape(job.Name)}</text><title>{Escape(job.Name)}: {s.TotalHours:0.##}–{f.TotalHours:0.##} h</title></g>"));
            }
        }

        var axisY = top + (nodes.Count * rowHeight) + 16;
        for (var h = Math.Ceiling(start); h <= end + 1e-9; h += Math.Max(1, Math.Ceiling(span / 12)))
        {
            html.Append(Invariant($"<text class=\"tick\" x=\"{X(h):F1}\" y=\"{axisY}\" text-anchor=\"middle\">{h:0} h</text>"));
        }

        html.Append("</svg>");
    }

    private static void Kpi(StringBuilder html, string label, string value) =>
        html.Append("<div class=\"kpi\"><b>").Append(Escape(value)).Append("</b><span>").Append(Escape(label)).Append("</span></div>");

    private static string Hours(TimeSpan t) => Invariant($"{t.TotalHours:0.##} h");

    private static string Opt(TimeSpan? t) => t is { } v ? Invariant($"{v.TotalHours:0.##}") : "–";

    private static string Escape(string text) => WebUtility.HtmlEncode(text);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
