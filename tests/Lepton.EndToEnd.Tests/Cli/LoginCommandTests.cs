using System.Net;
using System.Net.Sockets;

namespace Lepton.EndToEnd.Tests.Cli;

/// <summary><c>lepton login</c>: the saved config, its file mode, and how environment variables override it.</summary>
[Collection(LocalClusterCollection.Name)]
public sealed class LoginCommandTests(LocalClusterFixture cluster)
{
    private CliRunner WithConfig(string config, string? server = null, string? token = null) => new(cluster.Root, new Dictionary<string, string?>
    {
        ["LEPTON_CONFIG"] = config,
        ["LEPTON_SERVER"] = server,
        ["LEPTON_TOKEN"] = token,
        ["HOME"] = cluster.Root,
    });

    private string NewConfigPath() => Path.Combine(cluster.Root, "config-" + Guid.NewGuid().ToString("N")[..8], "config.json");

    [Fact]
    public async Task Login_ValidToken_SavesPrivateConfigThatLaterCommandsUse()
    {
        var config = NewConfigPath();
        var cli = WithConfig(config);

        var login = await cli.RunAsync("login", "--server", cluster.Server.AbsoluteUri, "--token", cluster.AdminToken);
        var list = await cli.RunAsync("node", "list");

        Assert.True(login.ExitCode == 0, login.ToString());
        Assert.Contains(config, login.Stdout, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(config));
        }

        Assert.Contains(cluster.AdminToken, await File.ReadAllTextAsync(config), StringComparison.Ordinal);
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Contains(cluster.NodeNames[0], list.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_WrongToken_Exit1AndNothingSaved()
    {
        var config = NewConfigPath();

        var login = await WithConfig(config).RunAsync("login", "--server", cluster.Server.AbsoluteUri, "--token", "lt_not-a-token");

        Assert.Equal(1, login.ExitCode);
        Assert.Contains("refused the token", login.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(config));
    }

    [Fact]
    public async Task Login_NothingListening_Exit1CannotReach()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var login = await WithConfig(NewConfigPath()).RunAsync("login", "--server", $"http://127.0.0.1:{port}", "--token", "x");

        Assert.Equal(1, login.ExitCode);
        Assert.StartsWith($"error: cannot reach the Lepton server at http://127.0.0.1:{port}/", login.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ftp://example.org")]
    [InlineData("http://")]
    public async Task Login_NotAnHttpAddress_UsageExit2(string server)
    {
        var login = await WithConfig(NewConfigPath()).RunAsync("login", "--server", server, "--token", "x");

        Assert.Equal(2, login.ExitCode);
        Assert.StartsWith("error: --server: ", login.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnvironmentToken_OverridesSavedConfig()
    {
        var config = NewConfigPath();
        Assert.Equal(0, (await WithConfig(config).RunAsync("login", "--server", cluster.Server.AbsoluteUri, "--token", "lt_stale", "--no-verify")).ExitCode);

        var stale = await WithConfig(config).RunAsync("job", "list");
        var overridden = await WithConfig(config, token: cluster.AdminToken).RunAsync("job", "list");

        Assert.Equal(1, stale.ExitCode);
        Assert.True(overridden.ExitCode == 0, overridden.ToString());
    }

    [Fact]
    public async Task AnyCommand_NotLoggedIn_Exit1SaysHowToLogIn()
    {
        var result = await WithConfig(NewConfigPath(), server: "http://127.0.0.1:9").RunAsync("job", "list");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: not logged in: run 'lepton login", result.Stderr, StringComparison.Ordinal);
    }
}
