using System.Net;
using System.Net.Http.Json;
using Lepton.Client.Contracts;

namespace Lepton.Server.Tests;

public sealed class ConsolidationApiTests
{
    [Fact]
    public async Task Consolidation_TwoHalfFullNodes_PlansOneMoveThatFreesANodeAndApplyRequeuesIt()
    {
        await using var server = await TestServer.StartAsync();
        var agent = await server.AgentAsync();
        await server.RegisterAsync(agent, "n1", cpuMilli: 4000);
        await server.RegisterAsync(agent, "n2", cpuMilli: 4000);
        var team = await server.TenantAsync("team-a");
        // Best fit packs two 2-core jobs per node; cancelling one on each node leaves both nodes half full.
        var jobs = new List<JobView>();
        for (var i = 0; i < 4; i++)
        {
            var job = await TestServer.SubmitAsync(team, TestServer.Job($"j{i}", cpuMilli: 2000, preemptible: true));
            jobs.Add(await TestServer.WaitAsync(team, job.Id, j => j.State == JobState.Scheduled));
        }

        var byNode = jobs.GroupBy(j => j.Placements[0].Node).ToList();
        Assert.Equal(2, byNode.Count);
        foreach (var node in byNode)
        {
            await team.PostAsync($"/api/v1/jobs/{node.First().Id}/cancel", null);
        }

        var plan = (await server.Admin.GetFromJsonAsync("/api/v1/cluster/consolidation?goal=nodes&maxMoves=5", LeptonJsonContext.Default.ConsolidationView))!;

        var move = Assert.Single(plan.Moves);
        Assert.Equal(plan.FreeNodesBefore + 1, plan.FreeNodesAfter);
        Assert.NotEqual(move.FromNode, move.ToNode);
        Assert.False(plan.Applied);

        var applied = await server.Admin.PostAsync("/api/v1/cluster/consolidation?goal=nodes&maxMoves=5", null);
        Assert.Equal(HttpStatusCode.OK, applied.StatusCode);
        var view = (await applied.Content.ReadFromJsonAsync(LeptonJsonContext.Default.ConsolidationView))!;
        Assert.True(view.Applied);
        Assert.Equal(move.JobId, Assert.Single(view.RequeuedJobs));
        var moved = await TestServer.WaitAsync(team, move.JobId, j => j.State == JobState.Scheduled && j.Events.Any(e => e.Type == "Consolidated"));
        Assert.Single(moved.Placements);
    }

    [Theory]
    [InlineData("/api/v1/cluster/consolidation?goal=racks", "goal")]
    [InlineData("/api/v1/cluster/consolidation?maxMoves=-1", "maxMoves")]
    [InlineData("/api/v1/cluster/consolidation?maxMoves=99999999999", "maxMoves")]
    public async Task Consolidation_BadQuery_Returns400NamingTheField(string url, string field)
    {
        await using var server = await TestServer.StartAsync();

        var response = await server.Admin.GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(field, (await response.Content.ReadFromJsonAsync(LeptonJsonContext.Default.ApiProblem))!.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Consolidation_TenantToken_IsForbidden()
    {
        await using var server = await TestServer.StartAsync();
        var team = await server.TenantAsync("team-a");

        Assert.Equal(HttpStatusCode.Forbidden, (await team.GetAsync("/api/v1/cluster/consolidation")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await team.PostAsync("/api/v1/cluster/consolidation", null)).StatusCode);
    }
}
