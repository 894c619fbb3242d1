using System.Net;
using System.Text.Json;
using Lepton.Client.Contracts;

namespace Lepton.Server.Tests;

public sealed class ObservabilityTests
{
    [Fact]
    public async Task Metrics_ReportJobsByStateAndTenant_AllocationPendingReasonsAndLatency()
    {
        await using var server = await TestServer.StartAsync();
        await server.RegisterAsync(await server.AgentAsync(), "n1", gpus: 2, model: "A100");
        var team = await server.TenantAsync("team-a");
        var running = await TestServer.SubmitAsync(team, TestServer.Job(gpu: 2, cpuMilli: 1500));
        await TestServer.WaitAsync(team, running.Id, j => j.State == JobState.Scheduled);
        var waiting = await TestServer.SubmitAsync(team, TestServer.Job(gpu: 8));
        await TestServer.WaitAsync(team, waiting.Id, j => j.Reason?.Code == "NeverFits");

        using var anonymous = server.Client(null);
        var response = await anonymous.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n');
        Assert.Contains("lepton_jobs{state=\"Scheduled\",tenant=\"team-a\"} 1", lines);
        Assert.Contains("lepton_jobs{state=\"Pending\",tenant=\"team-a\"} 1", lines);
        Assert.Contains("lepton_jobs{state=\"Failed\",tenant=\"team-a\"} 0", lines);
        Assert.Contains("lepton_pending_jobs{reason=\"NeverFits\"} 1", lines);
        Assert.Contains("lepton_allocated{resource=\"cpu_milli\"} 1500", lines);
        Assert.Contains("lepton_capacity{resource=\"gpu_milli\"} 2000", lines);
        Assert.Contains("lepton_gpu_allocated_milli{model=\"A100\"} 2000", lines);
        Assert.Contains("lepton_gpu_capacity_milli{model=\"A100\"} 2000", lines);
        Assert.Contains("# TYPE lepton_scheduling_latency_seconds histogram", lines);
        Assert.Contains("lepton_scheduling_latency_seconds_count 1", lines);
    }

    [Fact]
    public async Task HealthzAndOpenApi_AreServed()
    {
        await using var server = await TestServer.StartAsync();
        using var anonymous = server.Client(null);
        Assert.Equal("ok", await anonymous.GetStringAsync("/healthz"));
        using var doc = JsonDocument.Parse(await anonymous.GetStringAsync("/openapi/v1.json"));
        var paths = doc.RootElement.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/api/v1/jobs", out _));
        Assert.True(paths.TryGetProperty("/api/v1/agent/register", out _));
    }
}
