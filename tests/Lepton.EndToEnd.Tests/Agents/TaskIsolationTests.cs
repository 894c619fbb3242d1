using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using Lepton.Client.Contracts;

namespace Lepton.EndToEnd.Tests.Agents;

/// <summary>A hostile tenant job in a <c>lepton up</c> cluster tries to steal the control plane's credentials and spy on the agent.</summary>
/// <remarks>Runs the real <c>lepton up</c> (server and agent processes) exactly as the README does, so the layout the job walks
/// (<c>.lepton/admin-token</c>, <c>.lepton/agent-token</c>, <c>.lepton/agents/NODE/tasks/…</c>) is the real one.</remarks>
public sealed class TaskIsolationTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "lepton-e2e-isolation-" + Guid.NewGuid().ToString("N"));

    public TaskIsolationTests() => Directory.CreateDirectory(_directory);

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

    [Fact]
    public async Task TenantJob_ReadsCredentialsAndAgentProcess_SeesNone()
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
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "lepton.dll"), "up", "--urls", url, "--agents", "1", "--heartbeat-seconds", "0.5" })
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
            var dataDir = Path.Combine(_directory, ".lepton");
            var secrets = new[] { "admin-token", "agent-token", "tenant-token" }
                .Select(f => File.ReadAllText(Path.Combine(dataDir, f)).Trim())
                .ToArray();
            using var tenant = Client(url, secrets[2]);

            // Relative paths from the task's directory (one and two levels above .lepton/agents), absolute paths of the
            // data dir, the agent's command line through its parent pid, and every process and environment visible.
            var script = string.Join("; ",
                "cat ../../../../admin-token ../../../../agent-token ../../../../tenant-token",
                "cat ../../../../../admin-token ../../../../../agent-token ../../../../../tenant-token",
                "cat ../../../../../../admin-token ../../../../../../agent-token",
                $"cat {dataDir}/admin-token {dataDir}/agent-token {dataDir}/tenant-token",
                $"ls -laR {dataDir}",
                "tr \"\\0\" \" \" </proc/$PPID/cmdline",
                "echo",
                "ps aux",
                "ls /proc",
                "for f in /proc/[0-9]*/cmdline /proc/[0-9]*/environ; do tr \"\\0\" \" \" < $f; echo; done",
                "echo END-OF-PROBE");
            var submitted = await tenant.PostAsJsonAsync("api/v1/jobs", new JobSubmission
            {
                Name = "thief",
                Resources = new JobResources { CpuMilli = 500, MemoryMiB = 128 },
                Command = ["/bin/sh", "-c", script],
            }, LeptonJsonContext.Default.JobSubmission);
            submitted.EnsureSuccessStatusCode();
            var id = (await submitted.Content.ReadFromJsonAsync(LeptonJsonContext.Default.JobView))!.Id;
            var clock = Stopwatch.StartNew();
            while ((await tenant.GetFromJsonAsync($"api/v1/jobs/{id}", LeptonJsonContext.Default.JobView))!.State is not (JobState.Succeeded or JobState.Failed or JobState.Cancelled))
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"the job did not finish\n{Text(output)}");
                await Task.Delay(100);
            }

            var logs = await tenant.GetStringAsync($"api/v1/jobs/{id}/logs");
            Assert.Contains("END-OF-PROBE", logs, StringComparison.Ordinal);
            foreach (var secret in secrets)
            {
                Assert.DoesNotContain(secret, logs, StringComparison.Ordinal);
            }

            // The agent (a dotnet process running lepton.dll agent) and lepton up itself are invisible to the task.
            Assert.DoesNotContain("lepton.dll", logs, StringComparison.Ordinal);
            Assert.DoesNotContain("agent --server", logs, StringComparison.Ordinal);
            Assert.DoesNotContain("LEPTON_AGENT_TOKEN", logs, StringComparison.Ordinal);
        }
        finally
        {
            if (!process.HasExited)
            {
                Kill(process.Id, 15);
                if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
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
