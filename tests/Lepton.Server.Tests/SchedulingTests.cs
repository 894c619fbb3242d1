using System.Net;
using System.Net.Http.Json;
using Lepton.Client.Contracts;

namespace Lepton.Server.Tests;

public sealed class SchedulingTests
{
    [Fact]
    public async Task Submit_LargerThanWholeQuota_Returns422()
    {
        await using var server = await TestServer.StartAsync();
        var team = await server.TenantAsync("team-a", new ResourceAmounts { CpuMilli = 4000, MemoryMiB = 8192, GpuMilli = 2000 });
        var response = await team.PostAsJsonAsync("/api/v1/jobs", TestServer.Job(replicas: 3, gpu: 1), LeptonJsonContext.Default.JobSubmission);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync(LeptonJsonContext.Default.ApiProblem);
        Assert.Contains("quota", problem!.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Quota_IsAHardCap_SecondJobWaitsWithQuotaReasonUntilFirstEnds()
    {
        await using var server = await TestServer.StartAsync();
        await server.RegisterAsync(await server.AgentAsync(), "n1", gpus: 8);
        var team = await server.TenantAsync("team-a", new ResourceAmounts { CpuMilli = 100_000, MemoryMiB = 100_000, GpuMilli = 3000 });
        var first = await TestServer.SubmitAsync(team, TestServer.Job(gpu: 2));
        await TestServer.WaitAsync(team, first.Id, j => j.State == JobState.Scheduled);
        var second = await TestServer.SubmitAsync(team, TestServer.Job(gpu: 2));
        var waiting = await TestServer.WaitAsync(team, second.Id, j => j.Reason?.Code == "QuotaExceeded");
        Assert.Contains("team-a", waiting.Reason!.Message, StringComparison.Ordinal);

        // Another tenant is not held back by team-a's quota.
        var other = await server.TenantAsync("team-b");
        var theirs = await TestServer.SubmitAsync(other, TestServer.Job(gpu: 2));
        await TestServer.WaitAsync(other, theirs.Id, j => j.State == JobState.Scheduled);

        await team.PostAsync($"/api/v1/jobs/{first.Id}/cancel", null);
        await TestServer.WaitAsync(team, second.Id, j => j.State == JobState.Scheduled);
    }

    [Fact]
    public async Task Gang_AllReplicasFitTogether_PlacedAtOnceOnDifferentNodes()
    {
        await using var server = await TestServer.StartAsync();
        var agent = await server.AgentAsync();
        await server.RegisterAsync(agent, "n1", gpus: 1);
        await server.RegisterAsync(agent, "n2", gpus: 1);
        var team = await server.TenantAsync("team-a");
        var gang = await TestServer.SubmitAsync(team, TestServer.Job(replicas: 2, gpu: 1));
        var scheduled = await TestServer.WaitAsync(team, gang.Id, j => j.State == JobState.Scheduled);
        Assert.Equal(["n1", "n2"], scheduled.Placements.Select(p => p.Node).Order().ToArray());
    }

    [Fact]
    public async Task Gang_NotAllReplicasFit_NoneIsPlacedAndReasonSaysGang()
    {
        await using var server = await TestServer.StartAsync();
        var agent = await server.AgentAsync();
        await server.RegisterAsync(agent, "n1", gpus: 1);
        await server.RegisterAsync(agent, "n2", gpus: 1);
        var team = await server.TenantAsync("team-a");
        var blocker = await TestServer.SubmitAsync(team, TestServer.Job(gpu: 1));
        await TestServer.WaitAsync(team, blocker.Id, j => j.State == JobState.Scheduled);

        var gang = await TestServer.SubmitAsync(team, TestServer.Job(replicas: 2, gpu: 1));
        var waiting = await TestServer.WaitAsync(team, gang.Id, j => j.Reason?.Code == "GangIncomplete");
        Assert.Empty(waiting.Placements);
        Assert.All(waiting.Tasks, t => Assert.Equal(TaskState.Pending, t.State));
    }

    [Fact]
    public async Task Preemption_EvictsSmallestSetOfLowerPriorityPreemptibleJobs()
    {
        await using var server = await TestServer.StartAsync();
        await server.RegisterAsync(await server.AgentAsync(), "n1", gpus: 4);
        var team = await server.TenantAsync("team-a");
        var low = new List<JobView>();
        for (var i = 0; i < 4; i++)
        {
            var j = await TestServer.SubmitAsync(team, TestServer.Job($"low-{i}", gpu: 1, priority: 2, preemptible: true));
            low.Add(await TestServer.WaitAsync(team, j.Id, v => v.State == JobState.Scheduled));
        }

        var high = await TestServer.SubmitAsync(team, TestServer.Job("high", gpu: 2, priority: 8));
        await TestServer.WaitAsync(team, high.Id, j => j.State == JobState.Scheduled);

        var after = await Task.WhenAll(low.Select(j => TestServer.GetAsync(team, j.Id)));
        var evicted = after.Where(j => j.State == JobState.Pending).ToList();
        Assert.Equal(2, evicted.Count);
        Assert.All(evicted, j => Assert.Contains(j.Events, e => e.Type == "Preempted"));
        Assert.All(evicted, j => Assert.Contains($"job {high.Id}", j.Events.Last(e => e.Type == "Preempted").Message, StringComparison.Ordinal));
        Assert.All(evicted, j => Assert.NotNull(j.Reason));
        Assert.Equal(2, after.Count(j => j.State == JobState.Scheduled));
    }

    [Fact]
    public async Task Preemption_NeverEvictsNonPreemptibleOrEqualPriorityWork()
    {
        await using var server = await TestServer.StartAsync();
        await server.RegisterAsync(await server.AgentAsync(), "n1", gpus: 2);
        var team = await server.TenantAsync("team-a");
        var pinned = await TestServer.SubmitAsync(team, TestServer.Job("pinned", gpu: 1, priority: 1, preemptible: false));
        var peer = await TestServer.SubmitAsync(team, TestServer.Job("peer", gpu: 1, priority: 8, preemptible: true));
        await TestServer.WaitAsync(team, pinned.Id, j => j.State == JobState.Scheduled);
        await TestServer.WaitAsync(team, peer.Id, j => j.State == JobState.Scheduled);

        var high = await TestServer.SubmitAsync(team, TestServer.Job("high", gpu: 1, priority: 8));
        await TestServer.WaitAsync(team, high.Id, j => j.Reason?.Code == "Unschedulable");
        Assert.Equal(JobState.Scheduled, (await TestServer.GetAsync(team, pinned.Id)).State);
        Assert.Equal(JobState.Scheduled, (await TestServer.GetAsync(team, peer.Id)).State);
    }

    [Fact]
    public async Task Drain_NoNewWorkLandsAndPreemptibleWorkMoves()
    {
        await using var server = await TestServer.StartAsync();
        var agent = await server.AgentAsync();
        await server.RegisterAsync(agent, "n1", gpus: 1);
        var team = await server.TenantAsync("team-a");
        var job = await TestServer.SubmitAsync(team, TestServer.Job(gpu: 1, preemptible: true));
        await TestServer.WaitAsync(team, job.Id, j => j.State == JobState.Scheduled);

        var drain = await server.Admin.PostAsync("/api/v1/nodes/n1/drain", null);
        Assert.Equal(HttpStatusCode.OK, drain.StatusCode);
        await TestServer.WaitAsync(team, job.Id, j => j.State == JobState.Pending && j.Reason?.Code != "Queued");

        await server.RegisterAsync(agent, "n2", gpus: 1);
        var moved = await TestServer.WaitAsync(team, job.Id, j => j.State == JobState.Scheduled);
        Assert.Equal("n2", Assert.Single(moved.Placements).Node);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Admin.PostAsync("/api/v1/nodes/nope/drain", null)).StatusCode);
    }

    [Fact]
    public async Task Capacity_FreedByCancelFailureAndSuccess_IsReusedToTheLastGpu()
    {
        await using var server = await TestServer.StartAsync();
        var agent = await server.RegisterAsync(await server.AgentAsync(), "n1", gpus: 4);
        var team = await server.TenantAsync("team-a");
        for (var round = 0; round < 3; round++)
        {
            var jobs = new List<JobView>();
            for (var i = 0; i < 4; i++)
            {
                jobs.Add(await TestServer.SubmitAsync(team, TestServer.Job($"r{round}-{i}", gpu: 1)));
            }

            foreach (var job in jobs)
            {
                await TestServer.WaitAsync(team, job.Id, j => j.State == JobState.Scheduled);
            }

            var beat = await agent.PostAsJsonAsync("/api/v1/agent/nodes/n1/heartbeat", new Heartbeat(), LeptonJsonContext.Default.Heartbeat);
            var assignments = (await beat.Content.ReadFromJsonAsync(LeptonJsonContext.Default.HeartbeatResponse))!.Assignments;
            Assert.Equal(4, assignments.Count);
            Assert.Equal(4, assignments.SelectMany(a => a.Gpus).Distinct().Count());

            // Free the GPUs three different ways: cancel, exit 0, exit 1 (no retries).
            await team.PostAsync($"/api/v1/jobs/{jobs[0].Id}/cancel", null);
            foreach (var (a, code) in assignments.Where(a => a.JobId != jobs[0].Id).Select((a, k) => (a, k % 2)))
            {
                var report = new TaskStatusReport { Attempt = a.Attempt, Status = "Exited", ExitCode = code };
                (await agent.PostAsJsonAsync($"/api/v1/agent/nodes/n1/tasks/{a.TaskId}/status", report, LeptonJsonContext.Default.TaskStatusReport)).EnsureSuccessStatusCode();
            }
        }

        var node = Assert.Single((await server.Admin.GetFromJsonAsync("/api/v1/nodes", LeptonJsonContext.Default.ListNodeView))!);
        Assert.Equal(0, node.Allocated.GpuMilli);
        Assert.Equal(0, node.Tasks);
    }
}
