using System.Net;
using System.Net.Http.Json;
using System.Text;
using Lepton.Client.Contracts;

namespace Lepton.Server.Tests;

public sealed class JobApiTests
{
    [Fact]
    public async Task Submit_FittingJob_Returns201AndGetsScheduled()
    {
        await using var server = await TestServer.StartAsync();
        var agent = await server.AgentAsync();
        await server.RegisterAsync(agent, "n1", gpus: 2);
        var team = await server.TenantAsync("team-a");

        var job = await TestServer.SubmitAsync(team, TestServer.Job(gpu: 1));
        Assert.Equal(JobState.Pending, job.State);
        Assert.Equal("team-a", job.Tenant);

        var scheduled = await TestServer.WaitAsync(team, job.Id, j => j.State == JobState.Scheduled);
        var placement = Assert.Single(scheduled.Placements);
        Assert.Equal("n1", placement.Node);
        Assert.Single(placement.Gpus);
        Assert.Null(scheduled.Reason);
        Assert.Contains(scheduled.Events, e => e.Type == "Submitted");
        Assert.Contains(scheduled.Events, e => e.Type == "Scheduled");
    }

    [Fact]
    public async Task Submit_NoNodes_PendingWithNoNodesReason_ThenScheduledWhenNodeJoins()
    {
        await using var server = await TestServer.StartAsync();
        var team = await server.TenantAsync("team-a");
        var job = await TestServer.SubmitAsync(team, TestServer.Job());
        var pending = await TestServer.WaitAsync(team, job.Id, j => j.Reason?.Code == "NoNodes");
        Assert.Equal(JobState.Pending, pending.State);

        await server.RegisterAsync(await server.AgentAsync(), "n1");
        await TestServer.WaitAsync(team, job.Id, j => j.State == JobState.Scheduled);
    }

    [Fact]
    public async Task Submit_BiggerThanEveryNode_StaysPendingWithNeverFitsReason()
    {
        await using var server = await TestServer.StartAsync();
        await server.RegisterAsync(await server.AgentAsync(), "n1", gpus: 2);
        var team = await server.TenantAsync("team-a");
        var job = await TestServer.SubmitAsync(team, TestServer.Job(gpu: 4));
        var pending = await TestServer.WaitAsync(team, job.Id, j => j.Reason?.Code == "NeverFits");
        Assert.Equal(JobState.Pending, pending.State);
        Assert.NotEmpty(pending.Reason!.Rejections);
        Assert.Contains("even if empty", pending.Reason.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_NodeFull_PendingWithUnschedulableReasonNamingConstraint()
    {
        await using var server = await TestServer.StartAsync();
        await server.RegisterAsync(await server.AgentAsync(), "n1", gpus: 2);
        var team = await server.TenantAsync("team-a");
        var first = await TestServer.SubmitAsync(team, TestServer.Job(gpu: 2));
        await TestServer.WaitAsync(team, first.Id, j => j.State == JobState.Scheduled);
        var second = await TestServer.SubmitAsync(team, TestServer.Job(gpu: 1));
        var pending = await TestServer.WaitAsync(team, second.Id, j => j.Reason?.Code == "Unschedulable");
        var rejection = Assert.Single(pending.Reason!.Rejections);
        Assert.Equal(1, rejection.NodesRuledOut);
        Assert.Equal(1, rejection.NodesConsidered);

        // Cancelling the first frees the GPUs; the second runs.
        var cancel = await team.PostAsync($"/api/v1/jobs/{first.Id}/cancel", null);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        await TestServer.WaitAsync(team, second.Id, j => j.State == JobState.Scheduled);
        Assert.Equal(JobState.Cancelled, (await TestServer.GetAsync(team, first.Id)).State);
    }

    [Fact]
    public async Task TenantIsolation_OtherTenantsJob_Is404ForGetAndCancelAndHiddenFromList()
    {
        await using var server = await TestServer.StartAsync();
        var a = await server.TenantAsync("team-a");
        var b = await server.TenantAsync("team-b");
        var job = await TestServer.SubmitAsync(a, TestServer.Job("secret"));

        Assert.Equal(HttpStatusCode.NotFound, (await b.GetAsync($"/api/v1/jobs/{job.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await b.PostAsync($"/api/v1/jobs/{job.Id}/cancel", null)).StatusCode);
        Assert.Empty((await b.GetFromJsonAsync("/api/v1/jobs", LeptonJsonContext.Default.ListJobView))!);
        Assert.Single((await a.GetFromJsonAsync("/api/v1/jobs", LeptonJsonContext.Default.ListJobView))!);
        Assert.Single((await server.Admin.GetFromJsonAsync("/api/v1/jobs", LeptonJsonContext.Default.ListJobView))!);
        Assert.NotEqual(JobState.Cancelled, (await TestServer.GetAsync(a, job.Id)).State);
    }

    [Fact]
    public async Task List_StateFilter_ReturnsOnlyThatState()
    {
        await using var server = await TestServer.StartAsync();
        var team = await server.TenantAsync("team-a");
        var job = await TestServer.SubmitAsync(team, TestServer.Job());
        await team.PostAsync($"/api/v1/jobs/{job.Id}/cancel", null);
        await TestServer.SubmitAsync(team, TestServer.Job());
        var cancelled = await team.GetFromJsonAsync("/api/v1/jobs?state=Cancelled", LeptonJsonContext.Default.ListJobView);
        Assert.Equal(job.Id, Assert.Single(cancelled!).Id);
        Assert.Equal(HttpStatusCode.BadRequest, (await team.GetAsync("/api/v1/jobs?state=Sleeping")).StatusCode);
    }

    [Theory]
    [InlineData("{\"name\": \"x\", ", "body")]
    [InlineData("{\"name\": \"x\", \"colour\": \"red\"}", "colour")]
    [InlineData("{\"name\": \"x\", \"resources\": {\"cpuMilli\": -1}}", "resources.cpuMilli")]
    [InlineData("{\"name\": \"x\", \"resources\": {\"memoryMiB\": 99999999999999}}", "resources.memoryMiB")]
    [InlineData("{\"name\": \"x\", \"resources\": {\"gpu\": 1, \"gpuMilli\": 500}}", "resources.gpuMilli")]
    [InlineData("{\"name\": \"x\", \"resources\": {\"cpuMilli\": \"lots\"}}", "resources.cpuMilli")]
    [InlineData("{\"name\": \"x\", \"resources\": {\"gpus\": 1}}", "resources.gpus")]
    [InlineData("{\"name\": \"x\", \"priority\": 0}", "priority")]
    [InlineData("{\"name\": \"x\", \"priority\": 10}", "priority")]
    [InlineData("{\"name\": \"x\", \"replicas\": 0}", "replicas")]
    [InlineData("{\"name\": \"\"}", "name")]
    [InlineData("{\"name\": \"x\", \"maxRetries\": -2}", "maxRetries")]
    [InlineData("{\"name\": \"x\", \"resources\": null}", "resources")]
    [InlineData("{\"name\": \"x\", \"resources\": {\"rdmaMilli\": -1}}", "resources.rdmaMilli")]
    [InlineData("{\"name\": \"x\", \"resources\": {\"maxPerNode\": -1}}", "resources.maxPerNode")]
    [InlineData("[1, 2]", "body")]
    [InlineData("", "body")]
    public async Task Submit_BadInput_Returns400ProblemNamingTheField(string body, string field)
    {
        await using var server = await TestServer.StartAsync();
        var team = await server.TenantAsync("team-a");
        var response = await team.PostAsync("/api/v1/jobs", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync(LeptonJsonContext.Default.ApiProblem);
        Assert.Equal(400, problem!.Status);
        Assert.NotNull(problem.Errors);
        Assert.Contains(field, problem.Errors!.Keys);
        Assert.Contains(field, problem.Detail, StringComparison.Ordinal);
        Assert.Empty((await team.GetFromJsonAsync("/api/v1/jobs", LeptonJsonContext.Default.ListJobView))!);
    }

    [Fact]
    public async Task Get_UnknownOrMalformedId_Returns404Problem()
    {
        await using var server = await TestServer.StartAsync();
        var team = await server.TenantAsync("team-a");
        var missing = await team.GetAsync("/api/v1/jobs/999");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, (await team.GetAsync("/api/v1/jobs/abc")).StatusCode);
    }

    [Fact]
    public async Task Cancel_FinishedJob_Returns409()
    {
        await using var server = await TestServer.StartAsync();
        var team = await server.TenantAsync("team-a");
        var job = await TestServer.SubmitAsync(team, TestServer.Job());
        Assert.Equal(HttpStatusCode.OK, (await team.PostAsync($"/api/v1/jobs/{job.Id}/cancel", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await team.PostAsync($"/api/v1/jobs/{job.Id}/cancel", null)).StatusCode);
    }
}
