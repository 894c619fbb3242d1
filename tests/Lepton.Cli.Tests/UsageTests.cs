using System.Text.Json;
using Lepton.Core.Placement;

namespace Lepton.Cli.Tests;

/// <summary>What a new user meets first: bare <c>lepton</c>, option mistakes, binary input and the <c>--json</c> forms.</summary>
public sealed class UsageTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "lepton-usage-" + Guid.NewGuid().ToString("N"));

    public UsageTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Bare_NoArguments_PrintsHelpExit0()
    {
        var run = LeptonProcess.Run();

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Usage:", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("simulate", run.Stdout, StringComparison.Ordinal);
        Assert.Equal("", run.Stderr);
    }

    [Theory]
    [InlineData("--seed", "abc", "--seed: 'abc' is not a whole number")]
    [InlineData("--seed", "1.5", "--seed: '1.5' is not a whole number")]
    public void Place_BadNumberOption_SaysWhatIsExpectedInWords(string option, string value, string expected)
    {
        var run = LeptonProcess.Run("place", "--nodes", "examples/placement/two-servers/nodes.yaml", "--tasks", "examples/placement/two-servers/tasks.yaml", option, value);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("error: " + expected, run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Place_BinaryNodeFile_OneLineWithoutRawBytes()
    {
        var path = Path.Combine(_directory, "nodes.csv");
        var bytes = new byte[4096];
        new Random(7).NextBytes(bytes);
        "\u001b[31m\u0007"u8.ToArray().CopyTo(bytes, 0); // an escape sequence and a bell up front
        File.WriteAllBytes(path, bytes);

        var run = LeptonProcess.Run("place", "--nodes", path, "--tasks", "examples/placement/two-servers/tasks.yaml");

        Assert.Equal(1, run.ExitCode);
        var lines = run.Stderr.TrimEnd('\n').Split('\n');
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain(lines[0], c => char.IsControl(c) || c == '\uFFFD');
        Assert.True(lines[0].Length < 600, lines[0]);
    }

    [Theory]
    [InlineData("serve")]
    [InlineData("up")]
    public void ServerCommands_BusyPort_OneLineNoStackTrace(string command)
    {
        using var busy = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        busy.Start();
        var url = $"http://127.0.0.1:{((System.Net.IPEndPoint)busy.LocalEndpoint).Port}";

        var run = LeptonProcess.Run(command, "--urls", url, "--data-dir", Path.Combine(_directory, "data"));

        Assert.Equal(1, run.ExitCode);
        Assert.Equal($"error: cannot listen on {url}: the port is already in use; stop what is using it or choose another with --urls http://127.0.0.1:PORT",
            run.Stderr.TrimEnd('\n'));
        Assert.DoesNotContain(" at ", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Policies_Json_ListsNameAndDescription()
    {
        var run = LeptonProcess.Run("policies", "--json");

        Assert.Equal(0, run.ExitCode);
        using var doc = JsonDocument.Parse(run.Stdout);
        var names = doc.RootElement.EnumerateArray().Select(p => p.GetProperty("name").GetString()!).ToList();
        Assert.Equal(PolicyRegistry.Names, names);
        Assert.Contains("Weng et al.", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("ATC'23", run.Stdout, StringComparison.Ordinal); // not escaped as \u0027
        Assert.DoesNotContain("FGD-SPEC", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Place_PipedTable_HasNoTrailingSpaces()
    {
        var run = LeptonProcess.Run("place", "--nodes", "examples/placement/network-bound/nodes.yaml", "--tasks", "examples/placement/network-bound/tasks.yaml");

        Assert.Equal(0, run.ExitCode);
        Assert.All(run.Stdout.Split('\n'), line => Assert.False(line.EndsWith(' '), $"trailing spaces: '{line}'"));
    }
}
