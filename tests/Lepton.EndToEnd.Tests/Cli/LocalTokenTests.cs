using System.Text.Json;
using Lepton.Client;
using Lepton.Client.Contracts;

namespace Lepton.EndToEnd.Tests.Cli;

/// <summary>With no login, commands run next to <c>lepton up</c>'s <c>.lepton</c> folder use its tokens: job commands the team token, the rest the admin token.</summary>
[Collection(LocalClusterCollection.Name)]
public sealed class LocalTokenTests(LocalClusterFixture cluster)
{
    [Fact]
    public async Task Up_WritesTeamTokenOfDefaultTenant_OwnerOnly()
    {
        var path = Path.Combine(cluster.DataDir, "tenant-token");
        Assert.True(File.Exists(path), cluster.Log);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }

        using var team = new LeptonClient(cluster.Server, (await File.ReadAllTextAsync(path)).Trim());
        var job = await team.SubmitJobAsync(new JobSubmission { Name = "direct", Resources = new JobResources { CpuMilli = 100, MemoryMiB = 64 }, Command = ["true"] });
        Assert.Equal("default", job.Tenant);
    }

    [Fact]
    public async Task NoLogin_JobCommandsUseTeamToken_AdminCommandsUseAdminToken()
    {
        // A folder laid out like the one `lepton up` ran in: ./.lepton holding its token files.
        var folder = Path.Combine(cluster.Root, "workspace-" + Guid.NewGuid().ToString("N")[..6]);
        var local = Path.Combine(folder, ".lepton");
        Directory.CreateDirectory(local);
        File.Copy(Path.Combine(cluster.DataDir, "tenant-token"), Path.Combine(local, "tenant-token"));
        File.Copy(Path.Combine(cluster.DataDir, "admin-token"), Path.Combine(local, "admin-token"));
        var cli = new CliRunner(folder, new Dictionary<string, string?>
        {
            ["LEPTON_SERVER"] = cluster.Server.AbsoluteUri,
            ["LEPTON_TOKEN"] = null,
            ["LEPTON_CONFIG"] = Path.Combine(folder, "no-config.json"),
            ["HOME"] = folder,
        });

        var id = JobCommandTests.SubmittedId(await cli.RunAsync("job", "submit", "-f", RepoPaths.JobExample("hello.yaml")));
        var job = JsonSerializer.Deserialize<JobView>((await cli.RunAsync("job", "get", JobCommandTests.Id(id), "--json")).Stdout, LeptonJson.Options)!;
        Assert.Equal("default", job.Tenant);

        var tenants = await cli.RunAsync("tenant", "list", "--json");
        Assert.True(tenants.ExitCode == 0, tenants.ToString());
        Assert.Contains(JsonSerializer.Deserialize<List<TenantView>>(tenants.Stdout, LeptonJson.Options)!, t => t.Name == "default");
        await cluster.WaitForJobAsync(id, JobState.Succeeded, JobState.Failed);
    }
}
