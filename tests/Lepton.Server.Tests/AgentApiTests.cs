using System.Net;
using System.Net.Http.Json;
using Lepton.Client.Contracts;

namespace Lepton.Server.Tests;

public sealed class AgentApiTests
{
    private static async Task<HeartbeatResponse> BeatAsync(HttpClient agent, string node, params TaskRef[] running)
    {
        var response = await agent.PostAsJsonAsync($"/api/v1/agent/nodes/{node}/heartbeat",
            new Heartbeat { Usage = new NodeUsage { CpuPercent = 12.5, MemoryUsedMiB = 1000 }, Running = running },
            LeptonJsonContext.Default.Heartbeat);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync(LeptonJsonContext.Default.HeartbeatResponse))!;
    }

    private static Task<HttpResponseMessage> ReportAsync(HttpClient agent, string node, TaskAssignment a, string status, int? exitCode = null) =>
        agent.PostAsJsonAsync($"/api/v1/agent/nodes/{node}/tasks/{a.TaskId}/status",
            new TaskStatusReport { Attempt = a.Attempt, Status = status, ExitCode = exitCode }, LeptonJsonContext.Default.TaskStatusReport);

    [Fact]
    public async Task Heartbeat_AssignsBoundTasks_ReportsMoveJobToRunningThenSucceeded()
    {
        await using var server = await TestServer.StartAsync();
        var agent = await server.RegisterAsync(await server.AgentAsync(), "n1", gpus: 2);
        var team = await server.TenantAsync("team-a");
        var job = await TestServer.SubmitAsync(team, TestServer.Job(gpu: 2) with { Env = new Dictionary<string, string> { ["A"] = "1" } });
        await TestServer.WaitAsync(team, job.Id, j => j.State == JobState.Scheduled);

        var beat = await BeatAsync(agent, "n1");
        var assignment = Assert.Single(beat.Assignments);
        Assert.Equal(job.Id, assignment.JobId);
        Assert.Equal([0, 1], assignment.Gpus);
        Assert.Equal("1", assignment.Env["A"]);
        Assert.Equal(["n1"], assignment.Peers);

        Assert.Equal(HttpStatusCode.NoContent, (await ReportAsync(agent, "n1", assignment, "Started")).StatusCode);
        Assert.Equal(JobState.Running, (await TestServer.GetAsync(team, job.Id)).State);
        var running = new TaskRef { TaskId = assignment.TaskId, Attempt = assignment.Attempt };
        Assert.Empty((await BeatAsync(agent, "n1", running)).Assignments);

        Assert.Equal(HttpStatusCode.NoContent, (await ReportAsync(agent, "n1", assignment, "Exited", 0)).StatusCode);
        var done = await TestServer.GetAsync(team, job.Id);
        Assert.Equal(JobState.Succeeded, done.State);
        Assert.Equal(0, done.ExitCode);

        // The agent still reporting the finished attempt is told to kill it.
        Assert.Equal(running, Assert.Single((await BeatAsync(agent, "n1", running)).Kill));
        var nodes = await server.Admin.GetFromJsonAsync("/api/v1/nodes", LeptonJsonContext.Default.ListNodeView);
        var node = Assert.Single(nodes!);
        Assert.Equal(12.5, node.Usage!.CpuPercent);
        Assert.Equal(0, node.Allocated.GpuMilli);
    }

    [Fact]
    public async Task Exit_NonZeroWithRetries_RequeuesThenFailsWithExitCode()
    {
        await using var server = await TestServer.StartAsync();
        var agent = await server.RegisterAsync(await server.AgentAsync(), "n1");
        var team = await server.TenantAsync("team-a");
        var job = await TestServer.SubmitAsync(team, TestServer.Job(maxRetries: 1));
        await TestServer.WaitAsync(team, job.Id, j => j.State == JobState.Scheduled);

        var first = Assert.Single((await BeatAsync(agent, "n1")).Assignments);
        await ReportAsync(agent, "n1", first, "Exited", 3);
        var retried = await TestServer.WaitAsync(team, job.Id, j => j.State == JobState.Scheduled && j.Retries == 1);
        Assert.Equal(1, Assert.Single(retried.Tasks).Attempt);

        var second = Assert.Single((await BeatAsync(agent, "n1")).Assignments);
        Assert.Equal(1, second.Attempt);
        // A late report about the stale first attempt is refused and changes nothing.
        Assert.Equal(HttpStatusCode.Conflict, (await ReportAsync(agent, "n1", first, "Exited", 3)).StatusCode);
        Assert.Equal(JobState.Scheduled, (await TestServer.GetAsync(team, job.Id)).State);

        await ReportAsync(agent, "n1", second, "Exited", 3);
        var failed = await TestServer.GetAsync(team, job.Id);
        Assert.Equal(JobState.Failed, failed.State);
        Assert.Equal(3, failed.ExitCode);
        Assert.Contains("code 3", failed.Reason!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Heartbeat_JoinTokenForUnknownNode_Forbidden()
    {
        await using var server = await TestServer.StartAsync();
        var agent = await server.AgentAsync();
        var response = await agent.PostAsJsonAsync("/api/v1/agent/nodes/ghost/heartbeat", new Heartbeat(), LeptonJsonContext.Default.Heartbeat);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task SilentNode_MarkedDownAndItsJobRequeuedElsewhere()
    {
        await using var server = await TestServer.StartAsync(heartbeatTimeout: TimeSpan.FromSeconds(1));
        var agent = await server.AgentAsync();
        await server.RegisterAsync(agent, "n1");
        var team = await server.TenantAsync("team-a");
        var job = await TestServer.SubmitAsync(team, TestServer.Job(maxRetries: 2));
        await TestServer.WaitAsync(team, job.Id, j => j.State == JobState.Scheduled);

        var n2 = await server.RegisterAsync(agent, "n2");
        using var beating = new CancellationTokenSource();
        var keepAlive = Task.Run(async () =>
        {
            while (!beating.IsCancellationRequested)
            {
                await BeatAsync(n2, "n2");
                await Task.Delay(200);
            }
        });
        var moved = await TestServer.WaitAsync(team, job.Id, j => j.State == JobState.Scheduled && j.Retries == 1);
        Assert.Equal("n2", Assert.Single(moved.Placements).Node);
        await beating.CancelAsync();
        await keepAlive;
        var nodes = await server.Admin.GetFromJsonAsync("/api/v1/nodes", LeptonJsonContext.Default.ListNodeView);
        Assert.Equal("Down", nodes!.Single(n => n.Name == "n1").State);
    }

    [Theory]
    [InlineData("{\"name\": \"bad name\", \"cpuMilli\": 1000}", "name")]
    [InlineData("{\"name\": \"n1\", \"cpuMilli\": -5}", "cpuMilli")]
    [InlineData("{\"name\": \"n1\", \"gpus\": [{\"index\": 0, \"model\": \"A100\"}, {\"index\": 1, \"model\": \"V100\"}]}", "gpus")]
    [InlineData("{\"name\": \"n1\", \"cores\": 4}", "cores")]
    public async Task Register_BadInput_Returns400NamingField(string body, string field)
    {
        await using var server = await TestServer.StartAsync();
        var agent = await server.AgentAsync();
        var response = await agent.PostAsync("/api/v1/agent/register", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync(LeptonJsonContext.Default.ApiProblem);
        Assert.Contains(field, problem!.Errors!.Keys);
    }
}
