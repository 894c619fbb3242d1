using System.Text.RegularExpressions;
using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Workloads;
using Lepton.Simulation.Experiments;
using Lepton.Simulation.Reports;

namespace Lepton.Simulation.Tests.Reports;

public sealed partial class OpenbHtmlReportTests
{
    private static OpenbReportInput SmallSweep()
    {
        var nodes = Enumerable.Range(0, 30).Select(i => new NodeSpec
        {
            Name = $"n{i:00}", CpuMilli = 64000, MemoryMiB = 262144, GpuCount = i % 2 == 0 ? 8 : 2, GpuModel = "G2",
        }).ToList();
        var random = new Random(4);
        var pods = Enumerable.Range(0, 200).Select(i => new TaskRequest
        {
            Name = $"p{i:000}",
            CpuMilli = 4000,
            MemoryMiB = 1024,
            GpuCount = 1,
            GpuMilliPerGpu = random.Next(2) == 0 ? 1000 : (random.Next(9) + 1) * 100,
        }).ToList();
        var cluster = new OpenbCluster("synthetic", nodes);
        IReadOnlyList<PlacementPolicy> policies = [.. OpenbCatalog.PublishedPolicies.Select(PolicyRegistry.Get)];
        var runs = OpenbSweep.Run(cluster, [new OpenbWorkload("synthetic", pods)], policies, [1, 2], 1.3);
        return new OpenbReportInput(cluster, runs, OpenbSummaryRow.Build(runs, PublishedOpenbResults.Empty), PublishedOpenbResults.Empty, 1.3, TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void Render_SmallSweep_SelfContainedWithOneLinePerPolicyPerChart()
    {
        var html = OpenbHtmlReport.Render(SmallSweep());

        Assert.DoesNotMatch(ExternalReference(), html);
        // allocation, allocation zoom, fragmentation; power, power saved against fgd, GRAR
        Assert.Equal(6, ChartElement().Matches(html).Count);
        foreach (var policy in OpenbCatalog.PublishedPolicies)
        {
            Assert.Equal(6, Regex.Matches(html, $"<path class=\"series\" data-series=\"{policy}\"").Count);
            Assert.Contains($"<tr data-policy=\"{policy}\">", html, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Render_OpenedInHeadlessChromium_DrawsEverySeriesAndLooksRight()
    {
        var chromium = HeadlessChromium.Require();

        var directory = Path.Combine(AppContext.BaseDirectory, "report-screenshots");
        Directory.CreateDirectory(directory);
        var htmlPath = Path.Combine(directory, "openb-report.html");
        var input = SmallSweep();
        File.WriteAllText(htmlPath, OpenbHtmlReport.Render(input));

        var dom = HeadlessChromium.DumpDom(chromium, htmlPath);
        HeadlessChromium.Screenshot(chromium, htmlPath, Path.Combine(directory, "openb-report.png"), 1400, 1500);

        var drawn = RenderedSeries().Match(dom);
        Assert.True(drawn.Success, "the report's load script did not run");
        Assert.Equal(6 * OpenbCatalog.PublishedPolicies.Count, int.Parse(drawn.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(new FileInfo(Path.Combine(directory, "openb-report.png")).Length > 20_000, "the screenshot is nearly empty");
    }

    [GeneratedRegex("(src|href)=\"(https?:)?//", RegexOptions.IgnoreCase)]
    private static partial Regex ExternalReference();

    [GeneratedRegex("<svg [^>]*class=\"chart\"")]
    private static partial Regex ChartElement();

    [GeneratedRegex("data-rendered-series=\"(\\d+)\"")]
    private static partial Regex RenderedSeries();
}
