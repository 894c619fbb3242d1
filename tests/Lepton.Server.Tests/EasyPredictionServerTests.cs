using System.Net;
using System.Net.Http.Json;
using Lepton.Client.Contracts;

namespace Lepton.Server.Tests;

/// <summary><c>lepton serve --queue easy</c>: EASY backfill's reservations rest on the server's learned run times (the
/// predictor <c>job eta</c> uses), so a job predicted to end before the head's reservation backfills.</summary>
public sealed class EasyPredictionServerTests
{
    private static async Task<TaskAssignment[]> AssignmentsAsync(HttpClient node, string name)
    {
        var response = await node.PostAsJsonAsync($"/api/v1/agent/nodes/{name}/heartbeat", new Heartbeat { Usage = new NodeUsage() },
            LeptonJsonContext.Default.Heartbeat);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. (await response.Content.ReadFromJsonAsync(LeptonJsonContext.Default.HeartbeatResponse))!.Assignments];
    }

    private static async Task ReportAsync(HttpClient node, string name, TaskAssignment a, string status, int? exitCode = null)
    {
        var response = await node.PostAsJsonAsync($"/api/v1/agent/nodes/{name}/tasks/{a.TaskId}/status",
            new TaskStatusReport { Attempt = a.Attempt, Status = status, ExitCode = exitCode }, LeptonJsonContext.Default.TaskStatusReport);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    /// <summary>Runs three CPU-only jobs named <paramref name="name"/> side by side for about <paramref name="runFor"/>, so
    /// the server has a history for that name.</summary>
    private static async Task TrainAsync(HttpClient team, HttpClient node, string name, TimeSpan runFor)
    {
        var jobs = new List<JobView>();
        for (var i = 0; i < 3; i++)
        {
            jobs.Add(await TestServer.SubmitAsync(team, TestServer.Job(name)));
        }

        var assignments = new List<TaskAssignment>();
        foreach (var job in jobs)
        {
            await TestServer.WaitAsync(team, job.Id, j => j.State == JobState.Scheduled);
        }

        assignments.AddRange((await AssignmentsAsync(node, "n1")).Where(a => jobs.Any(j => j.Id == a.JobId)));
        Assert.Equal(3, assignments.Count);
        foreach (var a in assignments)
        {
            await ReportAsync(node, "n1", a, "Started");
        }

        await Task.Delay(runFor);
        foreach (var a in assignments)
        {
            await ReportAsync(node, "n1", a, "Exited", 0);
        }

        foreach (var job in jobs)
        {
            await TestServer.WaitAsync(team, job.Id, j => j.State == JobState.Succeeded);
        }
    }

    [Fact]
    public async Task Easy_JobPredictedToEndBeforeTheReservation_Backfills()
    {
        await using var server = await TestServer.StartAsync(configure: o => o with { Queue = "easy" });
        var node = await server.RegisterAsync(await server.AgentAsync(), "n1", cpuMilli: 16_000, gpus: 2);
        var team = await server.TenantAsync("team-a");
        await TrainAsync(team, node, "long", TimeSpan.FromMilliseconds(900));

        // One GPU runs a "long" job; the head needs both, so it holds a reservation for when that one ends.
        var running = await TestServer.SubmitAsync(team, TestServer.Job("long", gpu: 1));
        await TestServer.WaitAsync(team, running.Id, j => j.State == JobState.Scheduled);
        await ReportAsync(node, "n1", Assert.Single(await AssignmentsAsync(node, "n1"), a => a.JobId == running.Id), "Started");
        var head = await TestServer.SubmitAsync(team, TestServer.Job("head", gpu: 2));
        await TestServer.WaitAsync(team, head.Id, j => j.Reason?.Message.Contains("reserved", StringComparison.Ordinal) == true);

        // Nothing is known of "short" yet: it would take the reserved GPU for an unknown time, so it waits.
        var backfill = await TestServer.SubmitAsync(team, TestServer.Job("short", gpu: 1));
        var blocked = await TestServer.WaitAsync(team, backfill.Id, j => j.Reason?.Code == "Blocked");
        Assert.Contains($"would delay job {head.Id}", blocked.Reason!.Message, StringComparison.Ordinal);

        // Once "short" jobs are known to end at once, the prediction says it ends before the reservation: it backfills.
        await TrainAsync(team, node, "short", TimeSpan.Zero);
        await TestServer.WaitAsync(team, backfill.Id, j => j.State == JobState.Scheduled);
        Assert.Equal(JobState.Pending, (await TestServer.GetAsync(team, head.Id)).State);
    }
}
