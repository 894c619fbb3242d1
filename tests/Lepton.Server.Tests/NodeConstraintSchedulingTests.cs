using System.Net;
using System.Net.Http.Json;
using Lepton.Client.Contracts;

namespace Lepton.Server.Tests;

/// <summary>The server schedules with Core's per-node replica limit and RDMA NICs.</summary>
public sealed class NodeConstraintSchedulingTests
{
    [Fact]
    public async Task Gang_MaxPerNodeOne_ReplicasOnDifferentNodesAndTooManyWait()
    {
        await using var server = await TestServer.StartAsync();
        var agent = await server.AgentAsync();
        await server.RegisterAsync(agent, "n1");
        await server.RegisterAsync(agent, "n2");
        var team = await server.TenantAsync("team-a");

        var spread = TestServer.Job("spread", replicas: 2);
        spread.Resources.MaxPerNode = 1;
        var placed = await TestServer.WaitAsync(team, (await TestServer.SubmitAsync(team, spread)).Id, j => j.State == JobState.Scheduled);
        Assert.Equal(["n1", "n2"], placed.Placements.Select(p => p.Node).Order().ToArray());

        var tooMany = TestServer.Job("too-many", replicas: 3);
        tooMany.Resources.MaxPerNode = 1;
        var waiting = await TestServer.WaitAsync(team, (await TestServer.SubmitAsync(team, tooMany)).Id, j => j.Reason is not null);
        Assert.Empty(waiting.Placements);
    }

    [Fact]
    public async Task Rdma_OnlyNodesWithFreeNics()
    {
        await using var server = await TestServer.StartAsync();
        var agent = await server.AgentAsync();
        await server.RegisterAsync(agent, "plain");
        var registration = new NodeRegistration { Name = "rdma", CpuMilli = 8000, MemoryMiB = 32768, RdmaNics = 1 };
        Assert.Equal(HttpStatusCode.OK,
            (await agent.PostAsJsonAsync("/api/v1/agent/register", registration, LeptonJsonContext.Default.NodeRegistration)).StatusCode);
        var team = await server.TenantAsync("team-a");

        var job = TestServer.Job("rdma-job", replicas: 2);
        job.Resources.RdmaMilli = 500;
        var placed = await TestServer.WaitAsync(team, (await TestServer.SubmitAsync(team, job)).Id, j => j.State == JobState.Scheduled);

        Assert.All(placed.Placements, p => Assert.Equal("rdma", p.Node));
    }
}
