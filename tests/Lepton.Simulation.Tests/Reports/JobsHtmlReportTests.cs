using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Lepton.Core.Placement;
using Lepton.Core.Queueing;
using Lepton.Simulation.Jobs;
using Lepton.Simulation.Reports;
using Lepton.Simulation.Traces;

namespace Lepton.Simulation.Tests.Reports;

public sealed partial class JobsHtmlReportTests
{
    private static JobSimulationResult Example() => JobSimulation.Run(
        NodeFileReader.Read(SharedTraces.Example("jobs", "longest-first", "cluster.yaml")),
        JobFileReader.Read(SharedTraces.Example("jobs", "longest-first", "jobs.yaml")),
        PolicyRegistry.Get("bestfit"),
        QueueDiscipline.Default.WithOrder(QueueOrder.LongestFirst));

    [Fact]
    public void RenderJson_Example_HeadlineMetrics()
    {
        using var json = JsonDocument.Parse(JobsJsonReport.Render(Example()));
        var root = json.RootElement;

        Assert.Equal(7, root.GetProperty("makespanHours").GetDouble(), 9);
        Assert.Equal(100.0 * 25 / 28, root.GetProperty("utilisationPct").GetProperty("gpu").GetDouble(), 9);
        Assert.Equal(160, root.GetProperty("jobCost").GetDouble());
        Assert.Equal("longest-first", root.GetProperty("order").GetString());
        Assert.Equal(10, root.GetProperty("perJob").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("utilisationPct").GetProperty("fpga").ValueKind);
    }

    [Fact]
    public void Render_OpenedInHeadlessChromium_DrawsUtilisationAndJobCharts()
    {
        var chromium = HeadlessChromium.Require();

        var directory = Path.Combine(AppContext.BaseDirectory, "report-screenshots");
        Directory.CreateDirectory(directory);
        var htmlPath = Path.Combine(directory, "jobs-report.html");
        File.WriteAllText(htmlPath, JobsHtmlReport.Render(Example(), "cluster.yaml", "jobs.yaml"));

        var dom = HeadlessChromium.DumpDom(chromium, htmlPath);
        HeadlessChromium.Screenshot(chromium, htmlPath, Path.Combine(directory, "jobs-report.png"), 1300, 1400);

        // gpu, cpu and memory utilisation lines, then running and queued jobs.
        var drawn = RenderedSeries().Match(dom);
        Assert.True(drawn.Success, "the report's load script did not run");
        Assert.Equal(5, int.Parse(drawn.Groups[1].Value, CultureInfo.InvariantCulture));
        Assert.Equal(10, JobBar().Matches(dom).Count);
        Assert.Contains("89.3 %", dom, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_Example_MetricsTablePerGroup()
    {
        var html = JobsHtmlReport.Render(Example(), "cluster.yaml", "jobs.yaml");

        Assert.Contains("<h2>Metrics</h2>", html, StringComparison.Ordinal);
        Assert.Contains("JCT (h) p99", html, StringComparison.Ordinal);
        Assert.Contains("model A100", html, StringComparison.Ordinal);
    }

    [Fact]
    public void RenderSweep_TwoQueues_SideBySideWithIntervalsAndChartsPerCombination()
    {
        var nodes = NodeFileReader.Read(SharedTraces.Example("jobs", "longest-first", "cluster.yaml"));
        var jobs = JobFileReader.Read(SharedTraces.Example("jobs", "longest-first", "jobs.yaml"));
        var runs = JobSweep.Run(nodes, jobs, [PolicyRegistry.Get("random")], [QueueDiscipline.PriorityBackfill, QueueDiscipline.Fifo], [1, 2], maxParallelism: 1);

        var html = JobsSweepHtmlReport.Render(runs, JobSweep.Summarise(runs), "cluster.yaml", "jobs.yaml");

        Assert.Contains("random / priority-backfill", html, StringComparison.Ordinal);
        Assert.Contains("random / fifo", html, StringComparison.Ordinal);
        Assert.Equal(3, Regex.Matches(html, "<svg[^>]*class=\"chart").Count);
        Assert.Contains("meanGangWaitHours", html, StringComparison.Ordinal);
    }

    [GeneratedRegex("data-rendered-series=\"(\\d+)\"")]
    private static partial Regex RenderedSeries();

    [GeneratedRegex("<g class=\"bar\" data-job=")]
    private static partial Regex JobBar();
}
