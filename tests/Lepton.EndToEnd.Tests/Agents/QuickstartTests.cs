using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Lepton.EndToEnd.Tests.Cli;

namespace Lepton.EndToEnd.Tests.Agents;

/// <summary>The README's quickstart as a new user walks it: <c>lepton up</c> (one agent for this machine), stopped, then
/// <c>lepton up --agents 2</c> in the same folder and the example jobs submitted with the CLI, which finds the cluster
/// through <c>./.lepton</c> alone (no LEPTON_SERVER, no login).</summary>
public sealed class QuickstartTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "lepton-e2e-quickstart-" + Guid.NewGuid().ToString("N"));
    private readonly StringBuilder _output = new();

    public QuickstartTests() => Directory.CreateDirectory(_directory);

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
    public async Task Quickstart_UpThenUpWithTwoAgentsInOneFolder_HelloSucceedsAndNoJobFails()
    {
        // A config in the test folder, so the developer's own 'lepton login' is never read.
        var cli = new CliRunner(_directory, new Dictionary<string, string?> { ["LEPTON_CONFIG"] = Path.Combine(_directory, "config.json") });
        var url = $"http://127.0.0.1:{FreePort()}";

        // 1. The README's first command: one agent for this machine. Wait until its node is Ready, then stop it.
        using (var first = await StartUpAsync(url))
        {
            await WaitAsync(async () => (await cli.RunAsync("node", "list")).Stdout.Contains("Ready", StringComparison.Ordinal), "the machine's agent registers");
            await StopAsync(first);
        }

        var firstNodes = await cli.RunAsync("node", "list", "--json");
        Assert.NotEqual(0, firstNodes.ExitCode); // nothing listens any more: the CLI says so instead of hanging
        Assert.Contains(url, firstNodes.Stderr, StringComparison.Ordinal);

        // 2. The quickstart: two declared agents in the same folder. The node of step 1 is in the store but has no agent.
        using var second = await StartUpAsync(url, "--agents", "2");
        try
        {
            var submitted = await cli.RunAsync("job", "submit", "-f", RepoPaths.JobExample("hello.yaml"));
            Assert.True(submitted.ExitCode == 0, $"{submitted}\n{Text()}");
            await WaitAsync(async () => (await cli.RunAsync("job", "list")).Stdout.Contains("Succeeded", StringComparison.Ordinal)
                || (await cli.RunAsync("job", "list")).Stdout.Contains("Failed", StringComparison.Ordinal), "hello ends");

            var list = await cli.RunAsync("job", "list");
            Assert.Contains("Succeeded", list.Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain("Failed", list.Stdout, StringComparison.Ordinal);
            var logs = await cli.RunAsync("job", "logs", "1");
            Assert.True(logs.ExitCode == 0, logs.ToString());
            Assert.Contains("done", logs.Stdout, StringComparison.Ordinal);

            var get = await cli.RunAsync("job", "get", "1");
            var agentNodes = new[] { "-1", "-2" };
            Assert.Contains(agentNodes, suffix => get.Stdout.Contains(suffix + " ", StringComparison.Ordinal));

            // The node left over from step 1 never shows Ready: no agent speaks for it.
            var nodes = await cli.RunAsync("node", "list");
            var leftover = nodes.Stdout.Split('\n').Where(l => l.Contains("Ready", StringComparison.Ordinal)).ToList();
            Assert.Equal(2, leftover.Count);
        }
        finally
        {
            await StopAsync(second);
        }
    }

    private async Task<Process> StartUpAsync(string url, params string[] extra)
    {
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var arguments = new List<string> { "up", "--urls", url, "--heartbeat-seconds", "0.5" };
        arguments.AddRange(extra);
        var process = LeptonProcess.Start(arguments, _directory, new Dictionary<string, string?>(), line =>
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }

            if (line.Contains("Press Ctrl-C to stop", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        });
        var exited = process.WaitForExitAsync();
        if (await Task.WhenAny(ready.Task, exited, Task.Delay(TimeSpan.FromSeconds(120))) != ready.Task)
        {
            throw new Xunit.Sdk.XunitException($"lepton up did not start\n{Text()}");
        }

        return process;
    }

    private static async Task StopAsync(Process process)
    {
        if (process.HasExited)
        {
            return;
        }

        _ = Kill(process.Id, 15);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
        }
    }

    private string Text()
    {
        lock (_output)
        {
            return _output.ToString();
        }
    }

    private async Task WaitAsync(Func<Task<bool>> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(90), $"timed out waiting until {what}\n{Text()}");
            await Task.Delay(250);
        }
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
