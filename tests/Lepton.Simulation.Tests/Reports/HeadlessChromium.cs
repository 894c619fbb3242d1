using System.Diagnostics;

namespace Lepton.Simulation.Tests.Reports;

/// <summary>Runs Debian's <c>chromium</c> headless on a local file: dumps the DOM after load, or takes a screenshot.</summary>
/// <remarks>In CI (<c>CI=true</c>) a missing chromium is a failure, because <c>.ci/run</c> installs it; elsewhere the
/// browser tests are reported as skipped, with the reason, when it is absent.</remarks>
internal static class HeadlessChromium
{
    private static readonly string[] Candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/lib/chromium/chromium"];

    /// <summary>The chromium executable; skips the calling test (with the reason shown) when none is installed, and
    /// fails it in CI, where <c>.ci/run</c> installs it.</summary>
    public static string Require()
    {
        var found = Locate();
        if (found is null)
        {
            Assert.Skip("chromium not found; install Debian's chromium package (apt-get install chromium)");
        }

        return found;
    }

    /// <summary>The chromium executable, or null when none is installed (throws in CI).</summary>
    public static string? Locate()
    {
        var found = Candidates.FirstOrDefault(File.Exists)
            ?? (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
                .Select(dir => Path.Combine(dir, "chromium")).FirstOrDefault(File.Exists);
        if (found is null && string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException("chromium is not installed; .ci/run installs Debian's chromium package for the report tests");
        }

        return found;
    }

    /// <summary>The serialised DOM of <paramref name="htmlPath"/> after its load event.</summary>
    public static string DumpDom(string chromium, string htmlPath) => Run(chromium, htmlPath, "--dump-dom");

    /// <summary>Saves a screenshot of <paramref name="htmlPath"/> to <paramref name="pngPath"/>.</summary>
    public static void Screenshot(string chromium, string htmlPath, string pngPath, int width, int height) =>
        Run(chromium, htmlPath, $"--screenshot={pngPath}", $"--window-size={width},{height}", "--hide-scrollbars");

    private static string Run(string chromium, string htmlPath, params string[] extra)
    {
        var profile = Directory.CreateTempSubdirectory("lepton-chromium-");
        try
        {
            var start = new ProcessStartInfo(chromium)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in (string[])["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-dev-shm-usage", $"--user-data-dir={profile.FullName}", .. extra, new Uri(htmlPath).AbsoluteUri])
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start chromium");
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(90)))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException("chromium did not finish within 90 s");
            }

            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"chromium exited with {process.ExitCode}: {stderr.Result}");
            }

            return stdout.Result;
        }
        finally
        {
            try
            {
                profile.Delete(recursive: true);
            }
            catch (IOException)
            {
                // Chromium may still hold a lock file for a moment; a stale temp profile is harmless.
            }
        }
    }
}
