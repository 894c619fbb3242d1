using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using Lepton.Client.Contracts;

namespace Lepton.EndToEnd.Tests.Agents;

/// <summary><c>lepton up</c> as the README runs it: server and agents as processes, a real job end to end, a clean stop.</summary>
public sealed class UpCommandTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "lepton-e2e-up-" + Guid.NewGuid().ToString("N"));

    public UpCommandTests() => Directory.CreateDirectory(_directory);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Theory]
    [InlineData("stop with SIGTERM", 15)]
    [InlineData("stop with SIGINT (Ctrl-C)", 2)]
    public async Task Up_TwoAgents_RunsJobThenStopsEverything(string scenario, int signal)
    {
        var url = $"http://127.0.0.1:{FreePort()}";
        var output = new StringBuilder();
        var up = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _directory,
        };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "lepton.dll"), "up", "--urls", url, "--agents", "2", "--heartbeat-seconds", "0.5" })
        {
            up.ArgumentList.Add(argument);
        }

        using var process = Process.Start(up)!;
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) => Record(e.Data, output, ready);
        process.ErrorDataReceived += (_, e) => Record(e.Data, output, ready);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        List<int> children = [];
        try
        {
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(120));
            var dataDir = Path.Combine(_directory, ".lepton");
            Assert.Contains($"dashboard {url}/", Text(output), StringComparison.Ordinal);
            Assert.Contains(Path.Combine(dataDir, "admin-token"), Text(output), StringComparison.Ordinal);

            using var admin = Client(url, (await File.ReadAllTextAsync(Path.Combine(dataDir, "admin-token"))).Trim());
            await WaitAsync(async () => (await admin.GetFromJsonAsync("api/v1/nodes", LeptonJsonContext.Default.ListNodeView))!.Count(n => n.State == "Ready") == 2, "both agents register", output);
            (await admin.PostAsJsonAsync("api/v1/tenants", new TenantCreate { Name = "demo" }, LeptonJsonContext.Default.TenantCreate)).EnsureSuccessStatusCode();
            var created = await admin.PostAsJsonAsync("api/v1/tokens", new TokenCreate { Kind = "tenant", Tenant = "demo" }, LeptonJsonContext.Default.TokenCreate);
            using var tenant = Client(url, (await created.Content.ReadFromJsonAsync(LeptonJsonContext.Default.TokenView))!.Token!);
            var submitted = await tenant.PostAsJsonAsync("api/v1/jobs", new JobSubmission
            {
                Name = "hello",
                Resources = new JobResources { CpuMilli = 1000, MemoryMiB = 256 },
                Command = ["/bin/sh", "-c", "echo hello from $LEPTON_JOB_ID"],
            }, LeptonJsonContext.Default.JobSubmission);
            submitted.EnsureSuccessStatusCode();
            var id = (await submitted.Content.ReadFromJsonAsync(LeptonJsonContext.Default.JobView))!.Id;
            await WaitAsync(async () => (await tenant.GetFromJsonAsync($"api/v1/jobs/{id}", LeptonJsonContext.Default.JobView))!.State == JobState.Succeeded, "the job succeeds", output);
            Assert.Equal($"hello from {id}\n", await tenant.GetStringAsync($"api/v1/jobs/{id}/logs"));

            children = ChildrenOf(process.Id);
            Assert.Equal(2, children.Count); // the two agents; the server runs inside lepton up
            Kill(process.Id, signal);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(timeout.Token);

            Assert.True(process.ExitCode == 0, $"{scenario}: exit code {process.ExitCode}\n{Text(output)}");
            Assert.All(children, pid => Assert.False(LocalCluster.IsAlive(pid), $"{scenario}: child {pid} outlived lepton up"));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            foreach (var pid in children.Where(LocalCluster.IsAlive))
            {
                Kill(pid, 9);
            }
        }
    }

    [Fact]
    public async Task Up_RestartedInTheSameFolder_AgentsRegisterWithTheirOwnCredentialsAndRunWork()
    {
        var url = $"http://127.0.0.1:{FreePort()}";
        var dataDir = Path.Combine(_directory, ".lepton");
        for (var round = 0; round < 2; round++)
        {
            var output = new StringBuilder();
            var up = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = _directory,
            };
            foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "lepton.dll"), "up", "--urls", url, "--agents", "2", "--heartbeat-seconds", "0.5" })
            {
                up.ArgumentList.Add(argument);
            }

            using var process = Process.Start(up)!;
            var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            process.OutputDataReceived += (_, e) => Record(e.Data, output, ready);
            process.ErrorDataReceived += (_, e) => Record(e.Data, output, ready);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            try
            {
                await ready.Task.WaitAsync(TimeSpan.FromSeconds(120));
                using var admin = Client(url, (await File.ReadAllTextAsync(Path.Combine(dataDir, "admin-token"))).Trim());
                // The agents' heartbeats (only their own credentials may send them) keep both nodes Ready past the first beats.
                await WaitAsync(async () => (await admin.GetFromJsonAsync("api/v1/nodes", LeptonJsonContext.Default.ListNodeView))!
                    .Count(n => n.State == "Ready" && n.LastHeartbeat > DateTimeOffset.UtcNow.AddSeconds(-2)) == 2, $"round {round}: both agents heartbeat", output);
                var tokens = (await admin.GetFromJsonAsync("api/v1/tokens", LeptonJsonContext.Default.ListTokenView))!;
                // The restart issued no new node credential: each agent reused the one in its folder.
                Assert.Equal(2, tokens.Count(t => t.Kind == "node"));
                Assert.All(tokens.Where(t => t.Kind == "node"), t => Assert.Null(t.RevokedAt));

                using var tenant = Client(url, (await File.ReadAllTextAsync(Path.Combine(dataDir, "tenant-token"))).Trim());
                var submitted = await tenant.PostAsJsonAsync("api/v1/jobs", new JobSubmission
                {
                    Name = "hello",
                    Resources = new JobResources { CpuMilli = 1000, MemoryMiB = 256 },
                    Command = ["/bin/sh", "-c", "echo round " + round],
                }, LeptonJsonContext.Default.JobSubmission);
                submitted.EnsureSuccessStatusCode();
                var id = (await submitted.Content.ReadFromJsonAsync(LeptonJsonContext.Default.JobView))!.Id;
                await WaitAsync(async () => (await tenant.GetFromJsonAsync($"api/v1/jobs/{id}", LeptonJsonContext.Default.JobView))!.State == JobState.Succeeded, $"round {round}: the job succeeds", output);
                Assert.Equal($"round {round}\n", await tenant.GetStringAsync($"api/v1/jobs/{id}/logs"));

                Kill(process.Id, 15);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                await process.WaitForExitAsync(timeout.Token);
            }
            finally
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }
            }
        }
    }

    private static void Record(string? line, StringBuilder output, TaskCompletionSource ready)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }

        if (line.Contains("Press Ctrl-C to stop", StringComparison.Ordinal))
        {
            ready.TrySetResult();
        }
    }

    private static string Text(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, string what, StringBuilder output)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"timed out waiting until {what}\n{Text(output)}");
            await Task.Delay(100);
        }
    }

    private static List<int> ChildrenOf(int parent)
    {
        var children = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[1], CultureInfo.InvariantCulture) == parent)
                {
                    children.Add(pid);
                }
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
        }

        return children;
    }

    private static HttpClient Client(string url, string token)
    {
        var client = new HttpClient { BaseAddress = new Uri(url + "/"), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);
}
