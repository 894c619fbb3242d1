using System.Net;
using System.Net.Http.Json;
using Lepton.Client.Contracts;
using Lepton.Server.Energy;
using Microsoft.Extensions.DependencyInjection;

namespace Lepton.Server.Tests.Energy;

public sealed class UsageApiTests
{
    /// <summary>A node with a price and power figures, running one job of <paramref name="tenant"/> with a declared value.</summary>
    private static async Task<(HttpClient Node, JobView Job)> RunJobAsync(TestServer server, HttpClient tenant, string node, double? value)
    {
        using var agent = await server.AgentAsync();
        var registered = await agent.PostAsJsonAsync("/api/v1/agent/register", new NodeRegistration
        {
            Name = node, CpuMilli = 8000, MemoryMiB = 32768, PricePerHour = 36, IdleWatts = 100, PeakWatts = 300,
        }, LeptonJsonContext.Default.NodeRegistration);
        var credential = (await registered.Content.ReadFromJsonAsync(LeptonJsonContext.Default.NodeRegistered))!.NodeToken;
        var client = server.Client(credential);
        var job = await TestServer.SubmitAsync(tenant, TestServer.Job(cpuMilli: 4000, memoryMiB: 20000) with { Value = value });
        await TestServer.WaitAsync(tenant, job.Id, j => j.State == JobState.Scheduled);
        var beat = await client.PostAsJsonAsync($"/api/v1/agent/nodes/{node}/heartbeat",
            new Heartbeat { Usage = new NodeUsage { CpuWatts = 120 } }, LeptonJsonContext.Default.Heartbeat);
        var assignment = Assert.Single((await beat.Content.ReadFromJsonAsync(LeptonJsonContext.Default.HeartbeatResponse))!.Assignments);
        var started = await client.PostAsJsonAsync($"/api/v1/agent/nodes/{node}/tasks/{assignment.TaskId}/status",
            new TaskStatusReport { Attempt = assignment.Attempt, Status = "Started" }, LeptonJsonContext.Default.TaskStatusReport);
        Assert.Equal(HttpStatusCode.NoContent, started.StatusCode);
        return (client, job);
    }

    [Fact]
    public async Task Usage_RunningJobsOfTwoTenants_AccountedPerJobTenantAndNodeAndTenantsSeeOnlyTheirOwn()
    {
        await using var server = await TestServer.StartAsync(configure: o => o with { EnergyInterval = TimeSpan.FromHours(1) });
        var teamA = await server.TenantAsync("team-a");
        var teamB = await server.TenantAsync("team-b");
        var (n1, jobA) = await RunJobAsync(server, teamA, "n1", value: 1000);
        var (n2, jobB) = await RunJobAsync(server, teamB, "n2", value: null);
        var accountant = server.Services.GetRequiredService<EnergyAccountant>();
        accountant.SampleAndFlush();
        await Task.Delay(300);

        var report = (await server.Admin.GetFromJsonAsync("/api/v1/usage", LeptonJsonContext.Default.UsageReport))!;

        Assert.Equal([jobA.Id, jobB.Id], report.Jobs.Select(j => j.JobId));
        Assert.All(report.Jobs, j => Assert.True(j.Cost > 0 && j.EnergyKWh > 0 && j.CpuHours > 0, $"job {j.JobId}: {j}"));
        // Measured: the agent sent CPU watts, so all of it is measured energy.
        Assert.All(report.Jobs, j => Assert.Equal(j.EnergyKWh, j.MeasuredEnergyKWh, 12));
        Assert.Equal(["team-a", "team-b"], report.Tenants.Select(t => t.Tenant));
        Assert.Equal(report.Jobs.Sum(j => j.Cost), report.Total.Cost, 12);
        Assert.Equal(1000 - report.Jobs[0].Cost, report.Tenants[0].Profit!.Value, 9);
        Assert.Null(report.Tenants[1].Value);
        Assert.Equal(["n1", "n2"], report.Nodes.Select(n => n.Node));
        // Each job holds half its node: half the node's energy.
        Assert.All(report.Nodes, n => Assert.Equal(n.EnergyKWh / 2, n.IdleEnergyKWh, 9));

        var mine = (await teamB.GetFromJsonAsync("/api/v1/usage", LeptonJsonContext.Default.UsageReport))!;
        Assert.Equal([jobB.Id], mine.Jobs.Select(j => j.JobId));
        Assert.Empty(mine.Nodes);

        var nodes = (await server.Admin.GetFromJsonAsync("/api/v1/nodes", LeptonJsonContext.Default.ListNodeView))!;
        Assert.All(nodes, n => Assert.Equal(("measured", 120.0), (n.PowerSource, n.PowerWatts)));
        var power = (await server.Admin.GetFromJsonAsync("/api/v1/usage/power", LeptonJsonContext.Default.PowerNow))!;
        Assert.Equal(240, power.TotalWatts);
        n1.Dispose();
        n2.Dispose();
    }

    [Theory]
    [InlineData("?from=yesterday", "from")]
    [InlineData("?from=2026-01-01&to=2026-01-01", "to")]
    [InlineData("?from=2026-01-02&to=2026-01-01", "to")]
    public async Task Usage_BadPeriod_400NamingField(string query, string field)
    {
        await using var server = await TestServer.StartAsync();

        var response = await server.Admin.GetAsync("/api/v1/usage" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(field, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_AfterAccounting_ExportPowerEnergyAndCostSeries()
    {
        await using var server = await TestServer.StartAsync(configure: o => o with { EnergyInterval = TimeSpan.FromHours(1) });
        var team = await server.TenantAsync("team-a");
        var (node, _) = await RunJobAsync(server, team, "n1", value: null);
        var accountant = server.Services.GetRequiredService<EnergyAccountant>();
        accountant.SampleAndFlush();
        await Task.Delay(200);
        accountant.SampleAndFlush();
        using var scraper = server.Client(await server.TokenAsync("metrics"));

        var text = await scraper.GetStringAsync("/metrics");

        Assert.Contains("lepton_node_power_watts{node=\"n1\",source=\"measured\"} 120", text, StringComparison.Ordinal);
        Assert.Contains("lepton_energy_joules_total{tenant=\"team-a\"}", text, StringComparison.Ordinal);
        Assert.Contains("lepton_cost_total{tenant=\"team-a\"}", text, StringComparison.Ordinal);
        Assert.Contains("lepton_node_energy_joules_total{node=\"n1\"}", text, StringComparison.Ordinal);
        node.Dispose();
    }

    [Theory]
    [InlineData(-1.0)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(2e12)]
    public async Task Submit_BadValue_400NamingValue(double value)
    {
        await using var server = await TestServer.StartAsync();
        var team = await server.TenantAsync("team-a");
        var body = System.Text.Json.JsonSerializer.Serialize(TestServer.Job() with { Value = value },
            new System.Text.Json.JsonSerializerOptions(LeptonJsonContext.Default.Options) { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals });

        var response = await team.PostAsync("/api/v1/jobs", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("value", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
