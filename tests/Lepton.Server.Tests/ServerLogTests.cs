using System.Net;
using System.Net.Http.Json;
using Lepton.Client.Contracts;
using Lepton.Server.Apis;
using Lepton.Server.Logs;
using Microsoft.Extensions.DependencyInjection;

namespace Lepton.Server.Tests;

/// <summary>Issue 9: a job's output cannot fill the server's disk or memory; reads are paged; old logs are deleted.</summary>
public sealed class ServerLogTests
{
    private const long Cap = 64 * 1024;

    private static async Task<(TestServer Server, HttpClient Agent, HttpClient Team, JobView Job, TaskView Task)> StartWithJobAsync(
        TimeSpan? retention = null)
    {
        var server = await TestServer.StartAsync(configure: o => o with { LogCapPerTask = Cap, LogRetention = retention ?? TimeSpan.FromDays(7) });
        var agent = await server.AgentAsync();
        var n1 = await server.RegisterAsync(agent, "n1");
        var team = await server.TenantAsync("team-a");
        var job = await TestServer.SubmitAsync(team, TestServer.Job());
        await TestServer.WaitAsync(team, job.Id, j => j.State == JobState.Scheduled);
        var task = Assert.Single((await TestServer.GetAsync(team, job.Id)).Tasks);
        return (server, n1, team, job, task);
    }

    private static async Task UploadAsync(HttpClient agent, TaskView task, string text)
    {
        var response = await agent.PostAsJsonAsync($"/api/v1/agent/nodes/n1/tasks/{task.Id}/logs",
            new LogChunk { Attempt = task.Attempt, Stream = "stdout", Text = text }, LeptonJsonContext.Default.LogChunk);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    [Fact]
    public async Task Upload_LogBomb_KeptUpToCapWithMarkerLine()
    {
        var (server, agent, team, job, task) = await StartWithJobAsync();
        await using var _ = server;
        var line = new string('y', 99) + "\n";
        for (var i = 0; i < 40; i++)
        {
            await UploadAsync(agent, task, string.Concat(Enumerable.Repeat(line, 100))); // 10 KB a chunk, 400 KB in all
        }

        var file = new FileInfo(Path.Combine(server.DataDir, "logs", $"job-{job.Id}.log"));
        Assert.True(file.Length <= Cap + 1024, $"the log grew to {file.Length} bytes past the cap of {Cap}");
        var text = await team.GetStringAsync($"/api/v1/jobs/{job.Id}/logs");
        Assert.EndsWith("later output is dropped\n", text, StringComparison.Ordinal);
        Assert.Contains(JobLogStore.CutMarker, text, StringComparison.Ordinal);
        Assert.True(text.Length < Cap, "the cut output is at most the cap");
    }

    [Fact]
    public async Task Read_TailAndPages_ReturnTheRightLinesAndOffsets()
    {
        var (server, agent, team, job, task) = await StartWithJobAsync();
        await using var _ = server;
        await UploadAsync(agent, task, string.Concat(Enumerable.Range(0, 500).Select(i => $"line {i}\n")));

        var tail = await team.GetStringAsync($"/api/v1/jobs/{job.Id}/logs?tail=3");
        Assert.Equal("line 497\nline 498\nline 499\n", tail);

        var all = new System.Text.StringBuilder();
        long offset = 0;
        for (var pages = 0; pages < 1000; pages++)
        {
            var response = await team.GetAsync($"/api/v1/jobs/{job.Id}/logs?offset={offset}&limit=100");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var next = long.Parse(response.Headers.GetValues(JobLogEndpoints.NextOffsetHeader).Single(), System.Globalization.CultureInfo.InvariantCulture);
            all.Append(await response.Content.ReadAsStringAsync());
            if (next == offset)
            {
                break;
            }

            offset = next;
        }

        Assert.Equal(string.Concat(Enumerable.Range(0, 500).Select(i => $"line {i}\n")), all.ToString());
        Assert.Equal(all.ToString(), await team.GetStringAsync($"/api/v1/jobs/{job.Id}/logs"));
        Assert.Equal(HttpStatusCode.BadRequest, (await team.GetAsync($"/api/v1/jobs/{job.Id}/logs?tail=-1")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await team.GetAsync($"/api/v1/jobs/{job.Id}/logs?limit=0")).StatusCode);
    }

    [Fact]
    public async Task Retention_FinishedJobOlderThanRetention_LogDeleted()
    {
        var (server, agent, team, job, task) = await StartWithJobAsync(retention: TimeSpan.FromMilliseconds(1));
        await using var _ = server;
        await UploadAsync(agent, task, "bye\n");
        var running = await TestServer.GetAsync(team, job.Id);
        var retention = server.Services.GetRequiredService<LogRetention>();
        Assert.Equal(0, retention.Sweep()); // still running: kept
        (await team.PostAsync($"/api/v1/jobs/{job.Id}/cancel", null)).EnsureSuccessStatusCode();
        await Task.Delay(50);
        Assert.Equal(1, retention.Sweep());
        Assert.False(File.Exists(Path.Combine(server.DataDir, "logs", $"job-{job.Id}.log")));
        Assert.Equal("", await team.GetStringAsync($"/api/v1/jobs/{running.Id}/logs"));
    }
}
