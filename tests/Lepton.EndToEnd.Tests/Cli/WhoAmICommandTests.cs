namespace Lepton.EndToEnd.Tests.Cli;

/// <summary><c>lepton whoami</c>, <c>lepton logout</c>, and which connection wins when a folder holds a local cluster and
/// the user has also logged in elsewhere.</summary>
[Collection(LocalClusterCollection.Name)]
public sealed class WhoAmICommandTests(LocalClusterFixture cluster)
{
    /// <summary>A folder laid out like one where <c>lepton up</c> ran (tokens and URL in ./.lepton), with its own config path.</summary>
    private (CliRunner Cli, string Config) LocalFolder()
    {
        var folder = Path.Combine(cluster.Root, "ws-" + Guid.NewGuid().ToString("N")[..6]);
        var local = Path.Combine(folder, ".lepton");
        Directory.CreateDirectory(local);
        File.Copy(Path.Combine(cluster.DataDir, "tenant-token"), Path.Combine(local, "tenant-token"));
        File.Copy(Path.Combine(cluster.DataDir, "admin-token"), Path.Combine(local, "admin-token"));
        File.WriteAllText(Path.Combine(local, "url"), cluster.Server.AbsoluteUri.TrimEnd('/') + "\n");
        var config = Path.Combine(folder, "config.json");
        return (new CliRunner(folder, new Dictionary<string, string?> { ["LEPTON_CONFIG"] = config, ["HOME"] = folder }), config);
    }

    [Fact]
    public async Task WhoAmI_LocalCluster_ShowsServerSourceKindAndTenant()
    {
        var (cli, _) = LocalFolder();

        var admin = await cli.RunAsync("whoami");
        var team = await cli.RunAsync("whoami", "--jobs");

        Assert.True(admin.ExitCode == 0, admin.ToString());
        Assert.Contains(cluster.Server.AbsoluteUri.TrimEnd('/'), admin.Stdout, StringComparison.Ordinal);
        Assert.Contains("./.lepton", admin.Stdout, StringComparison.Ordinal);
        Assert.Contains("admin token", admin.Stdout, StringComparison.Ordinal);
        Assert.Contains("tenant token of tenant 'default'", team.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_InFolderWithLocalCluster_SaysLocalWinsAndLocalStillUsed()
    {
        var (cli, config) = LocalFolder();

        var login = await cli.RunAsync("login", "--server", "http://127.0.0.1:9", "--token", "lt_elsewhere", "--no-verify");
        var tenants = await cli.RunAsync("tenant", "list");

        Assert.True(login.ExitCode == 0, login.ToString());
        Assert.Contains("keep using ./.lepton", login.Stderr, StringComparison.Ordinal);
        Assert.True(File.Exists(config));
        Assert.True(tenants.ExitCode == 0, tenants.ToString()); // not shadowed by the login: still the local admin token

        var logout = await cli.RunAsync("logout");
        Assert.True(logout.ExitCode == 0, logout.ToString());
        Assert.False(File.Exists(config));
        Assert.Contains("Logged out of http://127.0.0.1:9", logout.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RefusedCommand_NamesServerTokenSourceKindAndTenant()
    {
        var (cli, _) = LocalFolder();
        var token = (await File.ReadAllTextAsync(Path.Combine(cluster.DataDir, "tenant-token"))).Trim();

        var result = await new CliRunner(cluster.Root, new Dictionary<string, string?>
        {
            ["LEPTON_SERVER"] = cluster.Server.AbsoluteUri,
            ["LEPTON_TOKEN"] = token,
            ["LEPTON_CONFIG"] = Path.Combine(cluster.Root, "no-config.json"),
        }).RunAsync("tenant", "list");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("LEPTON_TOKEN", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("tenant token of tenant 'default'", result.Stderr, StringComparison.Ordinal);
        Assert.Contains(cluster.Server.AbsoluteUri.TrimEnd('/'), result.Stderr, StringComparison.Ordinal);
        _ = cli;
    }
}
