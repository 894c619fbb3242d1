using System.Diagnostics;

namespace Lepton.EndToEnd.Tests.Agents;

/// <summary><c>lepton agent</c> and <c>lepton up</c> as a user runs them: bad options give one line on stderr and exit 2.</summary>
public sealed class AgentCommandTests
{
    [Theory]
    [InlineData("agent --server http://127.0.0.1:9 --declare disk=1Ti", "unknown resource 'disk'")]
    [InlineData("agent --server http://127.0.0.1:9 --declare gpus=2x", "needs a model name")]
    [InlineData("agent --server http://127.0.0.1:9 --labels zone", "--labels: 'zone' is not key=value")]
    [InlineData("agent --server ftp://x", "is not an http(s) URL")]
    [InlineData("agent --server http://127.0.0.1:9 --heartbeat-seconds 0", "--heartbeat-seconds")]
    [InlineData("agent --server http://127.0.0.1:9 --token lt_visible", "--token is not accepted")]
    [InlineData("agent --server http://127.0.0.1:9 --token-file /nonexistent/agent-token", "--token-file: cannot read /nonexistent/agent-token")]
    [InlineData("up --agents 0", "--agents must be between 1 and 64")]
    [InlineData("up --declare cpu=lots", "cpu 'lots'")]
    public async Task Run_BadOption_OneLineUsageErrorExit2(string arguments, string expected)
    {
        var (exitCode, stderr) = await RunAsync(arguments.Split(' '));

        Assert.Equal(2, exitCode);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Run_NoTokenAnywhere_SaysWhereToPutIt()
    {
        var (exitCode, stderr) = await RunAsync(["agent", "--server", "http://127.0.0.1:9"], token: null);

        Assert.Equal(2, exitCode);
        Assert.Contains("--token-file FILE (mode 0600) or set LEPTON_AGENT_TOKEN", stderr, StringComparison.Ordinal);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Run_TokenFileReadableByOthers_Refused()
    {
        var path = Path.Combine(Path.GetTempPath(), "lepton-token-" + Guid.NewGuid().ToString("N"));
        await File.WriteAllTextAsync(path, "lt_token\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        try
        {
            var (exitCode, stderr) = await RunAsync(["agent", "--server", "http://127.0.0.1:9", "--token-file", path], token: null);

            Assert.Equal(2, exitCode);
            Assert.Contains($"chmod 600 {path}", stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static async Task<(int ExitCode, string Stderr)> RunAsync(string[] arguments, string? token = "t")
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "lepton.dll"));
        info.Environment["LEPTON_AGENT_TOKEN"] = token;
        info.Environment.Remove("LEPTON_TOKEN");
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stderr);
    }
}
