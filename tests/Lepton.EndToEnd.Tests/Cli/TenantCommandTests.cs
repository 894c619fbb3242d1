using System.Text.Json;
using Lepton.Client;
using Lepton.Client.Contracts;

namespace Lepton.EndToEnd.Tests.Cli;

/// <summary><c>lepton tenant …</c> and <c>lepton token create --tenant</c>: the admin onboards a team that then submits its own jobs.</summary>
[Collection(LocalClusterCollection.Name)]
public sealed class TenantCommandTests(LocalClusterFixture cluster)
{
    [Fact]
    public async Task Create_TenantAndToken_TeamSubmitsAndSeesOnlyItsOwnJobs()
    {
        var admin = cluster.AdminCli();
        var name = "team-" + Guid.NewGuid().ToString("N")[..6];

        var created = await admin.RunAsync("tenant", "create", name, "--quota", "cpu=4,memory=8Gi,gpus=1", "--weight", "2");
        Assert.True(created.ExitCode == 0, created.ToString());
        var tenants = JsonSerializer.Deserialize<List<TenantView>>((await admin.RunAsync("tenant", "list", "--json")).Stdout, LeptonJson.Options)!;
        var tenant = tenants.Single(t => t.Name == name);
        Assert.Equal(new ResourceAmounts { CpuMilli = 4000, MemoryMiB = 8192, GpuMilli = 1000 }, tenant.Quota);
        Assert.Equal(2, tenant.FairShareWeight);

        var token = await admin.RunAsync("token", "create", "--tenant", name);
        Assert.True(token.ExitCode == 0, token.ToString());
        var team = cluster.Cli(token.Stdout.Trim());
        var id = JobCommandTests.SubmittedId(await team.RunAsync("job", "submit", "-f", RepoPaths.JobExample("hello.yaml")));
        var otherTeamsJob = JobCommandTests.SubmittedId(await cluster.Cli().RunAsync("job", "submit", "-f", RepoPaths.JobExample("hello.yaml")));

        var seen = JsonSerializer.Deserialize<List<JobView>>((await team.RunAsync("job", "list", "--json")).Stdout, LeptonJson.Options)!;
        Assert.Equal([id], seen.Select(j => j.Id));
        Assert.Equal(name, seen[0].Tenant);
        var other = await team.RunAsync("job", "get", JobCommandTests.Id(otherTeamsJob));
        Assert.Equal(1, other.ExitCode);
        await cluster.WaitForJobAsync(id, JobState.Succeeded, JobState.Failed);
    }

    [Fact]
    public async Task TokenListAndRevoke_TenantToken_ListedWithoutSecretThenRefusedAtOnce()
    {
        var admin = cluster.AdminCli();
        var name = "team-" + Guid.NewGuid().ToString("N")[..6];
        Assert.Equal(0, (await admin.RunAsync("tenant", "create", name)).ExitCode);
        var secret = (await admin.RunAsync("token", "create", "--tenant", name, "--description", "to revoke")).Stdout.Trim();
        var team = cluster.Cli(secret);
        Assert.Equal(0, (await team.RunAsync("job", "list")).ExitCode);

        var listed = await admin.RunAsync("token", "list", "--json");
        Assert.True(listed.ExitCode == 0, listed.ToString());
        Assert.DoesNotContain(secret, listed.Stdout, StringComparison.Ordinal);
        var tokens = JsonSerializer.Deserialize<List<TokenView>>(listed.Stdout, LeptonJson.Options)!;
        var token = tokens.Single(t => t.Tenant == name);
        Assert.NotNull(token.LastUsedAt);
        Assert.Contains(tokens, t => t.Kind == "node" && cluster.NodeNames.Contains(t.Node));
        var table = await admin.RunAsync("token", "list");
        Assert.Contains("to revoke", table.Stdout, StringComparison.Ordinal);

        var revoke = await admin.RunAsync("token", "revoke", token.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(revoke.ExitCode == 0, revoke.ToString());
        Assert.Contains("is revoked", revoke.Stdout, StringComparison.Ordinal);
        var refused = await team.RunAsync("job", "list");
        Assert.Equal(1, refused.ExitCode);
        Assert.DoesNotContain(JsonSerializer.Deserialize<List<TokenView>>((await admin.RunAsync("token", "list", "--json")).Stdout, LeptonJson.Options)!,
            t => t.Id == token.Id);
        Assert.Contains(JsonSerializer.Deserialize<List<TokenView>>((await admin.RunAsync("token", "list", "--all", "--json")).Stdout, LeptonJson.Options)!,
            t => t.Id == token.Id && t.RevokedAt is not null);
    }

    [Theory]
    [InlineData("cpu")]
    [InlineData("cpu=lots")]
    [InlineData("gpus=1,colour=red")]
    public async Task Create_BadQuota_UsageErrorExit2(string quota)
    {
        var result = await cluster.AdminCli().RunAsync("tenant", "create", "team-bad", "--quota", quota);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: --quota: ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_WithTenantToken_RefusedExit1()
    {
        var admin = cluster.AdminCli();
        var name = "team-" + Guid.NewGuid().ToString("N")[..6];
        Assert.Equal(0, (await admin.RunAsync("tenant", "create", name)).ExitCode);
        var token = (await admin.RunAsync("token", "create", "--tenant", name)).Stdout.Trim();

        var result = await cluster.Cli(token).RunAsync("tenant", "create", "team-sneaky");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: ", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData()]
    [InlineData("--kind", "root")]
    [InlineData("--kind", "agent", "--tenant", "x")]
    public async Task TokenCreate_BadArguments_UsageErrorExit2(params string[] arguments)
    {
        var result = await cluster.AdminCli().RunAsync(["token", "create", .. arguments]);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: ", result.Stderr, StringComparison.Ordinal);
    }
}
