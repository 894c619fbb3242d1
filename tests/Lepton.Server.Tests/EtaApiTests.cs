using System.Net;
using System.Net.Http.Json;
using Lepton.Client.Contracts;

namespace Lepton.Server.Tests;

/// <summary><c>GET /api/v1/jobs/{id}/eta</c> and <c>POST /api/v1/jobs/whatif</c>: the queue replayed forward.</summary>
public sealed class EtaApiTests
{
    [Fact]
    public async Task Eta_QueuedBehindRunningJob_StartsOnItsNodeAfterIt_WhatIfAgrees()
    {
        await using var server = await TestServer.StartAsync();
        await server.RegisterAsync(await server.AgentAsync(), "n1", gpus: 1);
        var team = await server.TenantAsync("team-a");
        var first = await TestServer.SubmitAsync(team, TestServer.Job("first", gpu: 1));
        await TestServer.WaitAsync(team, first.Id, j => j.State == JobState.Scheduled);
        var second = await TestServer.SubmitAsync(team, TestServer.Job("second", gpu: 1));
        await TestServer.WaitAsync(team, second.Id, j => j.Reason is not null);

        var eta = (await team.GetFromJsonAsync($"/api/v1/jobs/{second.Id}/eta", LeptonJsonContext.Default.JobEtaView))!;
        Assert.NotNull(eta.ExpectedStart);
        Assert.True(eta.ExpectedStart > DateTimeOffset.UtcNow, "it waits for the running job");
        Assert.True(eta.EarliestStart <= eta.ExpectedStart && eta.ExpectedStart <= eta.LatestStart);
        Assert.Equal(["n1"], eta.Nodes);
        Assert.Contains("no history", eta.RuntimeBasis, StringComparison.Ordinal);

        var started = (await team.GetFromJsonAsync($"/api/v1/jobs/{first.Id}/eta", LeptonJsonContext.Default.JobEtaView))!;
        Assert.Contains("started", started.Summary, StringComparison.Ordinal);

        var whatIf = await team.PostAsJsonAsync("/api/v1/jobs/whatif", TestServer.Job("third", gpu: 1), LeptonJsonContext.Default.JobSubmission);
        Assert.Equal(HttpStatusCode.OK, whatIf.StatusCode);
        var hypothetical = (await whatIf.Content.ReadFromJsonAsync(LeptonJsonContext.Default.JobEtaView))!;
        Assert.Contains(second.Id, hypothetical.WaitsBehind);
        Assert.True(hypothetical.ExpectedStart > eta.ExpectedStart);
        Assert.Equal(2, (await team.GetFromJsonAsync("/api/v1/jobs/summary", LeptonJsonContext.Default.JobSummary))!.Total);
    }

    [Fact]
    public async Task WhatIf_BadSubmissionOrAdminToken_Is4xx()
    {
        await using var server = await TestServer.StartAsync();
        var team = await server.TenantAsync("team-a");
        var bad = await team.PostAsJsonAsync("/api/v1/jobs/whatif", TestServer.Job("", gpu: 1), LeptonJsonContext.Default.JobSubmission);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var admin = await server.Admin.PostAsJsonAsync("/api/v1/jobs/whatif", TestServer.Job("x"), LeptonJsonContext.Default.JobSubmission);
        Assert.Equal(HttpStatusCode.Forbidden, admin.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await team.GetAsync("/api/v1/jobs/999/eta")).StatusCode);
    }

    [Fact]
    public async Task Eta_OtherTenantsJob_NotFoundAndWhatIfCountsWithoutNaming()
    {
        await using var server = await TestServer.StartAsync();
        await server.RegisterAsync(await server.AgentAsync(), "n1", gpus: 1);
        var victim = await server.TenantAsync("team-a");
        var attacker = await server.TenantAsync("team-b");
        var running = await TestServer.SubmitAsync(victim, TestServer.Job("secret-run", gpu: 1));
        await TestServer.WaitAsync(victim, running.Id, j => j.State == JobState.Scheduled);
        var queued = await TestServer.SubmitAsync(victim, TestServer.Job("secret-queued", gpu: 1));
        await TestServer.WaitAsync(victim, queued.Id, j => j.Reason is not null);

        // Guessing another tenant's job id answers as if it did not exist.
        Assert.Equal(HttpStatusCode.NotFound, (await attacker.GetAsync($"/api/v1/jobs/{queued.Id}/eta")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await attacker.GetAsync($"/api/v1/jobs/{running.Id}/eta")).StatusCode);

        var whatIf = await attacker.PostAsJsonAsync("/api/v1/jobs/whatif", TestServer.Job("probe", gpu: 1), LeptonJsonContext.Default.JobSubmission);
        Assert.Equal(HttpStatusCode.OK, whatIf.StatusCode);
        var body = await whatIf.Content.ReadAsStringAsync();
        var view = System.Text.Json.JsonSerializer.Deserialize(body, LeptonJsonContext.Default.JobEtaView)!;
        Assert.Empty(view.WaitsBehind);
        Assert.True(view.WaitsBehindOthers >= 1, body);
        Assert.DoesNotContain("secret", body, StringComparison.Ordinal);
    }
}
