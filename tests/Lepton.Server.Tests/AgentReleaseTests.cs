using System.Net;
using System.Net.Http.Json;
using Lepton.Client.Contracts;

namespace Lepton.Server.Tests;

/// <summary>An agent stopping cleanly hands its work back (<c>Released</c>) without using the jobs' retries; agents report their isolation.</summary>
public sealed class AgentReleaseTests
{
    [Fact]
    public async Task Released_RunningJobWithoutRetries_RequeuedUnchargedAndNodeDown()
    {
        await using var server = await TestServer.StartAsync();
        var agent = await server.AgentAsync();
        var n1 = await server.RegisterAsync(agent, "n1");
        var team = await server.TenantAsync("team-a");
        var job = await TestServer.SubmitAsync(team, TestServer.Job(maxRetries: 0));
        await TestServer.WaitAsync(team, job.Id, j => j.State == JobState.Scheduled);
        var first = Assert.Single((await BeatAsync(n1, "n1")).Assignments);
        Assert.Equal(HttpStatusCode.NoContent, (await ReportAsync(n1, "n1", first, "Started")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await ReportAsync(n1, "n1", first, "Released")).StatusCode);

        var released = await TestServer.GetAsync(team, job.Id);
        Assert.Equal(JobState.Pending, released.State);
        Assert.Equal(0, released.Retries);
        Assert.Equal(1, Assert.Single(released.Tasks).Attempt);
        Assert.Contains(released.Events, e => e.Type == "Released" && e.Message.Contains("no retry used", StringComparison.Ordinal));
        Assert.Equal("Down", (await NodesAsync(server)).Single(n => n.Name == "n1").State);

        // Nothing lands on the stopped node; a new node takes the job, with its retry budget intact.
        await server.RegisterAsync(agent, "n2");
        var moved = await TestServer.WaitAsync(team, job.Id, j => j.State == JobState.Scheduled);
        Assert.Equal("n2", Assert.Single(moved.Placements).Node);
        Assert.Equal(0, moved.Retries);
    }

    [Fact]
    public async Task Released_StaleAttempt_ChangesNothing()
    {
        await using var server = await TestServer.StartAsync();
        var agent = await server.AgentAsync();
        var n1 = await server.RegisterAsync(agent, "n1");
        var team = await server.TenantAsync("team-a");
        var job = await TestServer.SubmitAsync(team, TestServer.Job(maxRetries: 1));
        await TestServer.WaitAsync(team, job.Id, j => j.State == JobState.Scheduled);
        var first = Assert.Single((await BeatAsync(n1, "n1")).Assignments);
        await ReportAsync(n1, "n1", first, "Exited", 3);
        await TestServer.WaitAsync(team, job.Id, j => j.State == JobState.Scheduled && j.Retries == 1);

        // A report about an attempt that has ended is refused as stale (409), like any stale report, and changes nothing.
        Assert.Equal(HttpStatusCode.Conflict, (await ReportAsync(n1, "n1", first, "Released")).StatusCode);

        var after = await TestServer.GetAsync(team, job.Id);
        Assert.Equal(JobState.Scheduled, after.State);
        Assert.DoesNotContain(after.Events, e => e.Type == "Released");
        Assert.Equal("Ready", (await NodesAsync(server)).Single().State);
    }

    [Theory]
    [InlineData("namespaces")]
    [InlineData("none")]
    [InlineData(null)]
    public async Task Register_Isolation_ShownInNodeList(string? isolation)
    {
        await using var server = await TestServer.StartAsync();
        var agent = await server.AgentAsync();

        var response = await agent.PostAsJsonAsync("/api/v1/agent/register", new NodeRegistration { Name = "n1", CpuMilli = 1000, MemoryMiB = 1024, Isolation = isolation }, LeptonJsonContext.Default.NodeRegistration);

        response.EnsureSuccessStatusCode();
        Assert.Equal(isolation, Assert.Single(await NodesAsync(server)).Isolation);
    }

    [Fact]
    public async Task Register_UnknownIsolation_Returns400NamingField()
    {
        await using var server = await TestServer.StartAsync();
        var agent = await server.AgentAsync();

        var response = await agent.PostAsJsonAsync("/api/v1/agent/register", new NodeRegistration { Name = "n1", CpuMilli = 1000, MemoryMiB = 1024, Isolation = "chroot" }, LeptonJsonContext.Default.NodeRegistration);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("isolation", (await response.Content.ReadFromJsonAsync(LeptonJsonContext.Default.ApiProblem))!.Errors!.Keys);
    }

    private static async Task<List<NodeView>> NodesAsync(TestServer server) =>
        (await server.Admin.GetFromJsonAsync("/api/v1/nodes", LeptonJsonContext.Default.ListNodeView))!;

    private static async Task<HeartbeatResponse> BeatAsync(HttpClient agent, string node)
    {
        var response = await agent.PostAsJsonAsync($"/api/v1/agent/nodes/{node}/heartbeat", new Heartbeat { Usage = new NodeUsage() }, LeptonJsonContext.Default.Heartbeat);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync(LeptonJsonContext.Default.HeartbeatResponse))!;
    }

    private static Task<HttpResponseMessage> ReportAsync(HttpClient agent, string node, TaskAssignment a, string status, int? exitCode = null) =>
        agent.PostAsJsonAsync($"/api/v1/agent/nodes/{node}/tasks/{a.TaskId}/status",
            new TaskStatusReport { Attempt = a.Attempt, Status = status, ExitCode = exitCode }, LeptonJsonContext.Default.TaskStatusReport);
}
