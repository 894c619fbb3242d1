using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using Lepton.Client.Contracts;

namespace Lepton.Server.Tests;

/// <summary>Issue 9: a full disk costs writes only while it lasts: 503s with a clear message, <c>/healthz</c> failing, reads
/// working, no trace of refused jobs, writes resuming by themselves, and a restart on the full disk exiting with one line.</summary>
/// <remarks>Needs a small tmpfs, which only root on Linux can mount; elsewhere the test is skipped and says why.</remarks>
public sealed class DiskFullTests
{
    [TmpfsFact]
    public async Task Serve_DiskFills_503sHealthzFailsReadsWorkRecoversAndFullRestartExitsWithOneLine()
    {
        var mount = Path.Combine(Path.GetTempPath(), "lepton-diskfull-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(mount);
        Assert.Equal(0, Run("mount", "-t", "tmpfs", "-o", "size=20m", "tmpfs", mount));
        var data = Path.Combine(mount, "data");
        var filler = Path.Combine(mount, "filler");
        Process? server = null;
        try
        {
            var port = CrashTests.FreePort();
            server = await CrashTests.ServeAsync(data, port);
            using var admin = Client(port, File.ReadAllText(Path.Combine(data, LeptonServer.AdminTokenFile)).Trim());
            (await admin.PostAsJsonAsync("/api/v1/tenants", new TenantCreate { Name = "team-a" }, LeptonJsonContext.Default.TenantCreate)).EnsureSuccessStatusCode();
            var created = await admin.PostAsJsonAsync("/api/v1/tokens", new TokenCreate { Kind = "tenant", Tenant = "team-a" }, LeptonJsonContext.Default.TokenCreate);
            using var tenant = Client(port, (await created.Content.ReadFromJsonAsync(LeptonJsonContext.Default.TokenView))!.Token!);
            var before = await TestServer.SubmitAsync(tenant, TestServer.Job("before"));

            Fill(filler);
            // The WAL may still have room for a few commits; big environments use it up quickly.
            var accepted = new List<JobView> { before };
            string? refusal = null;
            string? refusedName = null;
            for (var i = 0; i < 2000 && refusal is null; i++)
            {
                var job = TestServer.Job($"refused-{i}") with { Env = new Dictionary<string, string> { ["PAD"] = new string('x', 30_000) } };
                var response = await tenant.PostAsJsonAsync("/api/v1/jobs", job, LeptonJsonContext.Default.JobSubmission);
                if (response.StatusCode == HttpStatusCode.Created)
                {
                    accepted.Add((await response.Content.ReadFromJsonAsync(LeptonJsonContext.Default.JobView))!);
                    continue;
                }

                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                refusal = await response.Content.ReadAsStringAsync();
                refusedName = job.Name;
            }

            Assert.True(refusal is not null, "the server kept accepting jobs on a full disk");
            Assert.Contains("cannot write to its store", refusal, StringComparison.Ordinal);

            var health = await admin.GetAsync("/healthz");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
            Assert.Contains("\"failing\"", await health.Content.ReadAsStringAsync(), StringComparison.Ordinal);

            // Reads keep working, and the refused job left no trace.
            var jobs = (await tenant.GetFromJsonAsync("/api/v1/jobs", LeptonJsonContext.Default.ListJobView))!;
            Assert.Equal(accepted.Select(j => j.Id).Order(), jobs.Select(j => j.Id).Order());
            Assert.DoesNotContain(jobs, j => j.Name == refusedName);
            Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/v1/nodes")).StatusCode);

            // Space comes back: writes resume by themselves, with an id never handed out before.
            File.Delete(filler);
            JobView? after = null;
            for (var i = 0; i < 50 && after is null; i++)
            {
                var response = await tenant.PostAsJsonAsync("/api/v1/jobs", TestServer.Job("after"), LeptonJsonContext.Default.JobSubmission);
                if (response.StatusCode == HttpStatusCode.Created)
                {
                    after = await response.Content.ReadFromJsonAsync(LeptonJsonContext.Default.JobView);
                }
                else
                {
                    await Task.Delay(100);
                }
            }

            Assert.True(after is not null, "writes did not resume after space was freed");
            Assert.True(after.Id > accepted.Max(j => j.Id) + 1, $"job id {after.Id} may reuse the id given to the refused job");
            Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/healthz")).StatusCode);

            // A restart on a full disk: one clear line and a non-zero exit, no stack trace.
            server.Kill();
            await server.WaitForExitAsync();
            server.Dispose();
            server = null;
            Fill(filler);
            var (exit, stdout, stderr) = await DataDirTests.ServeUntilExitAsync(data);
            Assert.NotEqual(0, exit);
            var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(lines.Length == 1 && lines[0].StartsWith("error: cannot use the data directory", StringComparison.Ordinal),
                $"stderr: {stderr}\nstdout: {stdout}");
            Assert.DoesNotContain("   at ", stdout + stderr, StringComparison.Ordinal);
        }
        finally
        {
            if (server is { HasExited: false })
            {
                server.Kill();
                await server.WaitForExitAsync();
            }

            server?.Dispose();
            Run("umount", mount);
            Directory.Delete(mount, recursive: true);
        }
    }

    /// <summary>Writes <paramref name="path"/> until the file system is full.</summary>
    private static void Fill(string path)
    {
        // Unbuffered: a buffered stream would fail again when it flushes on dispose.
        using var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
        var block = new byte[64 * 1024];
        try
        {
            while (true)
            {
                file.Write(block);
            }
        }
        catch (IOException)
        {
            // Full.
        }

        try
        {
            while (true)
            {
                file.Write(block, 0, 512);
            }
        }
        catch (IOException)
        {
            // Completely full.
        }
    }

    internal static int Run(string command, params string[] args)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        try
        {
            using var process = Process.Start(start)!;
            process.StandardOutput.ReadToEnd();
            process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return -1;
        }
    }

    private static HttpClient Client(int port, string token)
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}

/// <summary>A fact that runs only where a tmpfs can be mounted (root on Linux); elsewhere it is skipped with the reason.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class TmpfsFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> Unavailable = new(Probe);

    /// <summary>The caller-information parameters are what xUnit v3 asks of every fact attribute (xUnit3003); they are not needed here.</summary>
    public TmpfsFactAttribute([CallerFilePath] string? sourceFilePath = null, [CallerLineNumber] int sourceLineNumber = -1)
    {
        _ = sourceFilePath;
        _ = sourceLineNumber;
        if (Unavailable.Value is { } why)
        {
            Skip = why;
        }
    }

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "the disk-full test needs Linux to mount a small tmpfs";
        }

        var dir = Path.Combine(Path.GetTempPath(), "lepton-tmpfs-probe-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            if (DiskFullTests.Run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", dir) != 0)
            {
                return "the disk-full test cannot mount a tmpfs here ('mount -t tmpfs' failed: it needs root / CAP_SYS_ADMIN)";
            }

            DiskFullTests.Run("umount", dir);
            return null;
        }
        finally
        {
            Directory.Delete(dir);
        }
    }
}
