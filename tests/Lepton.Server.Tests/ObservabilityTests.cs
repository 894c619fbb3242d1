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

        using var scraper = server.Client(await server.TokenAsync("metrics"));
        var response = await scraper.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(1, Sample(text, "lepton_jobs", "state=\"Scheduled\"", "tenant=\"team-a\""));
        Assert.Equal(1, Sample(text, "lepton_jobs", "state=\"Pending\"", "tenant=\"team-a\""));
        Assert.Equal(0, Sample(text, "lepton_jobs", "state=\"Failed\"", "tenant=\"team-a\""));
        Assert.Equal(1, Sample(text, "lepton_pending_jobs", "reason=\"NeverFits\""));
        Assert.Equal(1500, Sample(text, "lepton_allocated", "resource=\"cpu_milli\""));
        Assert.Equal(2000, Sample(text, "lepton_capacity", "resource=\"gpu_milli\""));
        Assert.Equal(2000, Sample(text, "lepton_gpu_allocated_milli", "model=\"A100\""));
        Assert.Equal(2000, Sample(text, "lepton_gpu_capacity_milli", "model=\"A100\""));
        Assert.Contains("# TYPE lepton_scheduling_latency_seconds histogram", text, StringComparison.Ordinal);
        Assert.Equal(1, Sample(text, "lepton_scheduling_latency_seconds_count"));
        Assert.Equal(1, Sample(text, "lepton_nodes", "state=\"Ready\""));

        // The standard metrics come with the exporter: ASP.NET Core's request durations and the runtime's process metrics.
        Assert.Contains("http_server_request_duration_seconds_bucket", text, StringComparison.Ordinal);
        Assert.Contains("dotnet_process_cpu_time_seconds", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    [InlineData("tenant", HttpStatusCode.Forbidden)]
    [InlineData("agent", HttpStatusCode.Forbidden)]
    [InlineData("metrics", HttpStatusCode.OK)]
    [InlineData("admin", HttpStatusCode.OK)]
    public async Task Metrics_TokenKinds_OnlyAdminAndMetricsMayRead(string? kind, HttpStatusCode expected)
    {
        await using var server = await TestServer.StartAsync();
        await server.TenantAsync("secret-team");
        var token = kind switch
        {
            null => null,
            "admin" => server.AdminToken,
            "tenant" => await server.TokenAsync("tenant", "secret-team"),
            _ => await server.TokenAsync(kind),
        };

        using var client = server.Client(token);
        var response = await client.GetAsync("/metrics");

        Assert.Equal(expected, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(expected == HttpStatusCode.OK, body.Contains("secret-team", StringComparison.Ordinal));
    }

    /// <summary>The value of the one sample of <paramref name="name"/> whose labels include all of <paramref name="labels"/>
    /// (the exporter may add its own, such as <c>otel_scope_name</c>).</summary>
    private static double Sample(string text, string name, params string[] labels)
    {
        var matches = text.Split('\n')
            .Where(l => l.StartsWith(name + "{", StringComparison.Ordinal) || l.StartsWith(name + " ", StringComparison.Ordinal))
            .Where(l => labels.All(label => l.Contains(label, StringComparison.Ordinal)))
            .ToList();
        Assert.True(matches.Count == 1, $"expected one sample of {name} with {string.Join(",", labels)}, found {matches.Count}:\n{text}");
        var line = matches[0];
        var value = line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0];
        return double.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
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
