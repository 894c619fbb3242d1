using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using Lepton.Client.Contracts;

namespace Lepton.Server.Tests;

/// <summary>Durability: a real <c>lepton serve</c> child process is SIGKILLed during a burst of submissions.</summary>
public sealed class CrashTests
{
    [Fact]
    public async Task KillDashNine_DuringSubmissionBurst_EveryAcceptedJobSurvivesRestart()
    {
        var dir = Path.Combine(Path.GetTempPath(), "lepton-crash-" + Guid.NewGuid().ToString("N"));
        try
        {
            var port = FreePort();
            string tenantToken;
            var accepted = new ConcurrentBag<long>();
            using (var server = await ServeAsync(dir, port))
            {
                var admin = Client(port, File.ReadAllText(Path.Combine(dir, "admin-token")).Trim());
                (await admin.PostAsJsonAsync("/api/v1/tenants", new TenantCreate { Name = "team-a" }, LeptonJsonContext.Default.TenantCreate)).EnsureSuccessStatusCode();
                var token = await admin.PostAsJsonAsync("/api/v1/tokens", new TokenCreate { Kind = "tenant", Tenant = "team-a" }, LeptonJsonContext.Default.TokenCreate);
                tenantToken = (await token.Content.ReadFromJsonAsync(LeptonJsonContext.Default.TokenView))!.Token!;

                using var tenant = Client(port, tenantToken);
                var killAt = 300;
                var workers = Enumerable.Range(0, 16).Select(w => Task.Run(async () =>
                {
                    for (var i = 0; ; i++)
                    {
                        try
                        {
                            var response = await tenant.PostAsJsonAsync("/api/v1/jobs", TestServer.Job($"burst-{w}-{i}"), LeptonJsonContext.Default.JobSubmission);
                            if (response.StatusCode != HttpStatusCode.Created)
                            {
                                return;
                            }

                            accepted.Add((await response.Content.ReadFromJsonAsync(LeptonJsonContext.Default.JobView))!.Id);
                        }
                        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
                        {
                            return;
                        }
                    }
                })).ToList();

                while (accepted.Count < killAt && workers.Any(t => !t.IsCompleted))
                {
                    await Task.Delay(5);
                }

                server.Kill(); // SIGKILL: no shutdown hooks run.
                await server.WaitForExitAsync();
                await Task.WhenAll(workers);
            }

            Assert.True(accepted.Count >= 300, $"only {accepted.Count} submissions succeeded before the kill");
            using var restarted = await ServeAsync(dir, port);
            // The SDK follows every page of the job list.
            using var client = new Lepton.Client.LeptonClient(new Uri($"http://127.0.0.1:{port}"), tenantToken);
            var jobs = await client.ListJobsAsync();
            var ids = jobs.Select(j => j.Id).ToHashSet();
            var lost = accepted.Where(id => !ids.Contains(id)).ToList();
            Assert.True(lost.Count == 0, $"{lost.Count} of {accepted.Count} accepted jobs were lost: {string.Join(",", lost.Take(10))}");
            restarted.Kill();
            await restarted.WaitForExitAsync();
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static HttpClient Client(int port, string token)
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Starts <c>dotnet lepton.dll ARGS</c> (a server, an agent), its output discarded or passed to <paramref name="output"/>.</summary>
    internal static Process StartLepton(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, Action<string>? output = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "lepton.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is { } line) { output?.Invoke(line); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) { output?.Invoke(line); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Starts <c>dotnet lepton.dll serve</c> and waits until it answers /healthz (also used by the disk-full and
    /// failover tests); <paramref name="extra"/> are more <c>serve</c> options.</summary>
    internal static async Task<Process> ServeAsync(string dir, int port, params string[] extra) => await ServeAsync(dir, port, null, extra);

    /// <inheritdoc cref="ServeAsync(string, int, string[])"/>
    internal static async Task<Process> ServeAsync(string dir, int port, Action<string>? output, params string[] extra)
    {
        var process = StartLepton(["serve", "--data-dir", dir, "--urls", $"http://127.0.0.1:{port}", .. extra], output: output);
        using var probe = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            Assert.False(process.HasExited, "lepton serve exited early");
            try
            {
                if ((await probe.GetAsync("/healthz")).IsSuccessStatusCode)
                {
                    return process;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            Assert.True(DateTime.UtcNow < deadline, "lepton serve did not start within 60 s");
            await Task.Delay(100);
        }
    }
}
