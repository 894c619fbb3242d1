using System.Globalization;
using Lepton.EndToEnd.Tests.Cli;
using Microsoft.Playwright;

namespace Lepton.EndToEnd.Tests.Dashboard;

/// <summary>The dashboard in a real browser: Debian's chromium driven by Playwright against <c>lepton up</c> with two agents.</summary>
/// <remarks>
/// Chromium is launched by executable path (never downloaded by Playwright). In CI (<c>CI=true</c>) a missing chromium
/// fails the test; on a developer machine without it the test is reported as skipped, with the reason. Screenshots are saved under
/// <c>TestResults/dashboard/</c> at the repository root (or <c>$LEPTON_SCREENSHOT_DIR</c>).
/// </remarks>
[Collection(LocalClusterCollection.Name)]
public sealed class DashboardTests(LocalClusterFixture cluster, ITestOutputHelper output)
{
    private static readonly string[] ChromiumArgs =
        ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

    /// <summary>Where the screenshots go.</summary>
    public static string ScreenshotDir =>
        Environment.GetEnvironmentVariable("LEPTON_SCREENSHOT_DIR") is { Length: > 0 } dir ? dir : Path.Combine(RepoPaths.Root, "TestResults", "dashboard");

    [Fact]
    public async Task Dashboard_JobSubmittedWithCli_ShowsNodesAndJobRunningThenSucceeded()
    {
        var chromium = FindChromium();
        if (chromium is null)
        {
            Assert.False(string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase),
                "chromium is not installed (apt-get install chromium); the dashboard test needs it in CI");
            Assert.Skip("chromium not found; install it with apt-get install chromium");
        }

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ChromiumArgs,
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 1100 } });
        var consoleErrors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                consoleErrors.Add(message.Text);
            }
        };
        var outsideRequests = new List<string>();
        page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(cluster.Server.AbsoluteUri, StringComparison.Ordinal) && !request.Url.StartsWith("data:", StringComparison.Ordinal))
            {
                outsideRequests.Add(request.Url);
            }
        };

        // The token gate: a wrong token is refused in words, the admin token gets in.
        await page.GotoAsync(cluster.Server.AbsoluteUri);
        await page.FillAsync("#token", "lt_wrong");
        await page.ClickAsync("#gate-form button[type=submit]");
        await Assertions.Expect(page.Locator("#gate-error")).ToContainTextAsync("did not accept");
        await page.FillAsync("#token", cluster.AdminToken);
        await page.ClickAsync("#gate-form button[type=submit]");

        // Both agents' nodes appear, with one bar per GPU and how their tasks are isolated.
        foreach (var name in cluster.NodeNames)
        {
            await Assertions.Expect(page.Locator($"#nodes-body tr[data-node='{name}']")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator($"#nodes-body tr[data-node='{name}'] [data-isolation='namespaces']")).ToHaveTextAsync("isolated");
        }

        Assert.Equal(6, await page.Locator("#nodes-body .gpu-bar").CountAsync());
        await Assertions.Expect(page.Locator("#gpu-total")).ToHaveTextAsync("6");
        // The demo agents declare idle and peak watts: the power card shows an estimate.
        await Assertions.Expect(page.Locator("#power-now")).ToContainTextAsync("W");
        await Assertions.Expect(page.Locator("#power-sub")).ToContainTextAsync("estimated");

        // A gang job submitted with the CLI shows up running, then succeeded.
        var id = JobCommandTests.SubmittedId(await cluster.Cli().RunAsync("job", "submit", "-f", RepoPaths.JobExample("train-gang.yaml")));
        var row = page.Locator($"#jobs-body tr[data-job-id='{id.ToString(CultureInfo.InvariantCulture)}']");
        await Assertions.Expect(row).ToHaveAttributeAsync("data-state", "Running", new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("#gpu-alloc")).ToHaveTextAsync("2");
        await Assertions.Expect(page.Locator("#nodes-body .gpu-bar.busy")).ToHaveCountAsync(2);
        Directory.CreateDirectory(ScreenshotDir);
        var running = Path.Combine(ScreenshotDir, "dashboard-running.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = running, FullPage = true });

        await page.ClickAsync("#job-tabs button[data-filter='all']");
        await Assertions.Expect(row).ToHaveAttributeAsync("data-state", "Succeeded", new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator("#job-states li[data-state='Succeeded'] b")).Not.ToHaveTextAsync("0");
        await Assertions.Expect(page.Locator("#live")).ToHaveAttributeAsync("data-state", "ok");
        var succeeded = Path.Combine(ScreenshotDir, "dashboard.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = succeeded, FullPage = true });
        await page.ClickAsync("#theme");
        await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("data-theme", "dark");
        var dark = Path.Combine(ScreenshotDir, "dashboard-dark.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = dark, FullPage = true });
        await page.ClickAsync("#theme");
        output.WriteLine($"screenshots: {running} {succeeded} {dark}");

        // The token lives for this browser session only: a reload keeps it, a new context asks again.
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("#app")).ToBeVisibleAsync();
        var fresh = await browser.NewPageAsync();
        await fresh.GotoAsync(cluster.Server.AbsoluteUri);
        await Assertions.Expect(fresh.Locator("#gate")).ToBeVisibleAsync();

        Assert.Empty(outsideRequests);
        Assert.DoesNotContain(consoleErrors, e => !e.Contains("401", StringComparison.Ordinal));
    }

    private static string? FindChromium()
    {
        string[] candidates = [Environment.GetEnvironmentVariable("LEPTON_CHROMIUM") ?? "", "/usr/bin/chromium", "/usr/bin/chromium-browser"];
        return candidates.FirstOrDefault(p => p.Length > 0 && File.Exists(p));
    }
}
