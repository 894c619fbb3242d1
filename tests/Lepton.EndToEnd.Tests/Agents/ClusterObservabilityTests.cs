using System.Net.Http.Json;
using Lepton.Client.Contracts;

namespace Lepton.EndToEnd.Tests.Agents;

/// <summary>What users watch on a running cluster: followed logs and reclaimable nodes, with real agent processes.</summary>
public sealed class ClusterObservabilityTests : IAsyncLifetime
{
    private const string Shape = "cpu=2,memory=2Gi";
    private LocalCluster _cluster = null!;

    public async ValueTask InitializeAsync() => _cluster = await LocalCluster.StartAsync(Shape, Shape);

    public async ValueTask DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task LogsFollow_RunningJob_StreamsEveryLineAndEndsWithTheJob()
    {
        var id = await _cluster.SubmitAsync(new JobSubmission
        {
            Name = "follow",
            Resources = new JobResources { CpuMilli = 500, MemoryMiB = 128 },
            Command = ["/bin/sh", "-c", "for i in 1 2 3 4 5; do echo line $i; echo warn $i >&2; sleep 0.3; done"],
        });
        await _cluster.WaitForJobAsync(id, j => j.State == JobState.Running, "the job runs");

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var response = await _cluster.Tenant.GetAsync($"api/v1/jobs/{id}/logs?follow=true&stream=stdout", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        response.EnsureSuccessStatusCode();
        var text = await response.Content.ReadAsStringAsync(timeout.Token);

        Assert.Equal("line 1\nline 2\nline 3\nline 4\nline 5\n", text);
        Assert.Equal(JobState.Succeeded, (await _cluster.JobAsync(id)).State);
        Assert.Contains("warn 5\n", await _cluster.LogsAsync(id, "?stream=stderr"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("?replica=1")]
    [InlineData("?stream=both")]
    public async Task Logs_BadQuery_ProblemNamingTheField(string query)
    {
        var id = await _cluster.SubmitAsync(new JobSubmission { Name = "q", Resources = new JobResources { CpuMilli = 100, MemoryMiB = 16 }, Command = ["true"] });

        using var response = await _cluster.Tenant.GetAsync($"api/v1/jobs/{id}/logs{query}");

        Assert.Equal(400, (int)response.StatusCode);
        Assert.Contains(query[1..query.IndexOf('=')], await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reclaimable_IdleNodesReportedUntilWorkLands()
    {
        ReclaimableNodes report = null!;
        await _cluster.WaitAsync(async () => (report = await ReclaimableAsync()).Nodes.Count == 2, "both idle nodes are reclaimable");
        Assert.Equal(5.0, report.PricePerHourSaved);
        Assert.Equal(200.0, report.IdleWattsSaved);
        Assert.All(report.Nodes, n => Assert.True(n.IdleSeconds >= LocalCluster.ReclaimAfter.TotalSeconds));

        var id = await _cluster.SubmitAsync(new JobSubmission
        {
            Name = "busy",
            Resources = new JobResources { CpuMilli = 500, MemoryMiB = 128 },
            Command = ["/bin/sh", "-c", "exec sleep 1000"],
        });
        var busy = (await _cluster.WaitForJobAsync(id, j => j.State == JobState.Running, "the job runs")).Tasks[0].Node;

        await _cluster.WaitAsync(async () => (report = await ReclaimableAsync()).Nodes.Count == 1, "the busy node is no longer reclaimable");
        Assert.NotEqual(busy, report.Nodes[0].Name);
        var metrics = await _cluster.Admin.GetStringAsync("metrics");
        // The exporter writes a series without labels as name{} (valid Prometheus text); accept either form.
        Assert.Matches(new System.Text.RegularExpressions.Regex(@"^lepton_reclaimable_nodes(\{\})? 1$", System.Text.RegularExpressions.RegexOptions.Multiline), metrics);
        Assert.Matches(new System.Text.RegularExpressions.Regex(@"^lepton_reclaimable_price_per_hour(\{\})? 2.5$", System.Text.RegularExpressions.RegexOptions.Multiline), metrics);
        Assert.Contains($"lepton_node_idle_seconds{{node=\"{report.Nodes[0].Name}\"}}", metrics, StringComparison.Ordinal);
    }

    private async Task<ReclaimableNodes> ReclaimableAsync() =>
        (await _cluster.Admin.GetFromJsonAsync("api/v1/nodes/reclaimable", LeptonJsonContext.Default.ReclaimableNodes))!;
}
