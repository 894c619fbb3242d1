using System.Diagnostics;

namespace Lepton.EndToEnd.Tests.Agents;

/// <summary><c>lepton agent</c> and <c>lepton up</c> as a user runs them: bad options give one line on stderr and exit 2.</summary>
public sealed class AgentCommandTests
{
    [Theory]
    [InlineData("agent --server http://127.0.0.1:9 --token t --declare disk=1Ti", "unknown resource 'disk'")]
    [InlineData("agent --server http://127.0.0.1:9 --token t --declare gpus=2x", "needs a model name")]
    [InlineData("agent --server http://127.0.0.1:9 --token t --labels zone", "--labels: 'zone' is not key=value")]
    [InlineData("agent --server ftp://x --token t", "is not an http(s) URL")]
    [InlineData("agent --server http://127.0.0.1:9 --token t --heartbeat-seconds 0", "--heartbeat-seconds")]
    [InlineData("up --agents 0", "--agents must be between 1 and 64")]
    [InlineData("up --declare cpu=lots", "cpu 'lots'")]
    public async Task Run_BadOption_OneLineUsageErrorExit2(string arguments, string expected)
    {
        var (exitCode, stderr) = await RunAsync(arguments.Split(' '));

        Assert.Equal(2, exitCode);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    private static async Task<(int ExitCode, string Stderr)> RunAsync(string[] arguments)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "lepton.dll"));
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
