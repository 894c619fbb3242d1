using System.Net;
using System.Net.Http.Json;
using Lepton.Client.Contracts;
using Lepton.Server.Power;

namespace Lepton.Server.Tests.Power;

public sealed class PowerControllerTests
{
    private static Func<LeptonServerOptions, LeptonServerOptions> WithPower(PowerScript script, double offAfterSeconds = 0.3, int keepOn = 0) => o => o with
    {
        Power = new PowerControllerOptions
        {
            PowerOffCommand = $"{script.Path} off",
            PowerOnCommand = $"{script.Path} on",
            PowerOffAfter = TimeSpan.FromSeconds(offAfterSeconds),
            WakeTimeout = TimeSpan.FromMinutes(5),
            Interval = TimeSpan.FromMilliseconds(100),
            MinNodesOn = keepOn,
        },
    };

    private static async Task<NodeView> NodeAsync(TestServer server, string name) =>
        Assert.Single((await server.Admin.GetFromJsonAsync("/api/v1/nodes", LeptonJsonContext.Default.ListNodeView))!, n => n.Name == name);

    private static async Task<NodeView> WaitForStateAsync(TestServer server, string name, string state)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var node = await NodeAsync(server, name);
            if (node.State == state)
            {
                return node;
            }

            Assert.True(DateTime.UtcNow < deadline, $"node {name} never became {state}; it is {node.State}");
            await Task.Delay(50);
        }
    }

    private static async Task BeatAsync(HttpClient node, string name)
    {
        var response = await node.PostAsJsonAsync($"/api/v1/agent/nodes/{name}/heartbeat", new Heartbeat(), LeptonJsonContext.Default.Heartbeat);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Controller_IdleNodeThenQueuedWork_PowersOffWithCommandThenWakesItAndTheJobRunsThere()
    {
        using var script = new PowerScript();
        await using var server = await TestServer.StartAsync(configure: WithPower(script));
        var n1 = await server.RegisterAsync(await server.AgentAsync(), "n1");
        var team = await server.TenantAsync("team-a");

        // Idle past the threshold: switched off with the admin's command, the node name as its last argument.
        await WaitForStateAsync(server, "n1", "PoweredOff");
        Assert.Equal(["off|n1|"], script.Runs);

        // Work that fits only there wakes it; the node takes work once its agent heartbeats again.
        var job = await TestServer.SubmitAsync(team, TestServer.Job(cpuMilli: 4000));
        await WaitForStateAsync(server, "n1", "Waking");
        Assert.Equal(["off|n1|", "on|n1|"], script.Runs);
        Assert.Equal(JobState.Pending, (await TestServer.GetAsync(team, job.Id)).State);
        await BeatAsync(n1, "n1");
        await TestServer.WaitAsync(team, job.Id, j => j.State == JobState.Scheduled && j.Placements.Single().Node == "n1");
        Assert.Equal("Ready", (await NodeAsync(server, "n1")).State);

        var power = (await server.Admin.GetFromJsonAsync("/api/v1/usage/power", LeptonJsonContext.Default.PowerNow))!;
        Assert.Equal(["PoweredOff", "Waking", "On"], power.Events.Select(e => e.Action));
        Assert.All(power.Events, e => Assert.Equal("n1", e.Node));
        n1.Dispose();
    }

    [Fact]
    public async Task Controller_PowerOffCommandFails_NodeStaysReadyAndTakesWork()
    {
        using var script = new PowerScript(exitCode: 1);
        await using var server = await TestServer.StartAsync(configure: WithPower(script));
        using var n1 = await server.RegisterAsync(await server.AgentAsync(), "n1");
        var team = await server.TenantAsync("team-a");

        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (script.Runs.Length == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the power-off command never ran");
            await Task.Delay(50);
        }

        var job = await TestServer.SubmitAsync(team, TestServer.Job());
        await TestServer.WaitAsync(team, job.Id, j => j.State == JobState.Scheduled);
        var power = (await server.Admin.GetFromJsonAsync("/api/v1/usage/power", LeptonJsonContext.Default.PowerNow))!;
        Assert.Contains(power.Events, e => e.Action == "PowerOffFailed" && e.Message.Contains("exited with 1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Controller_Restarted_RemembersNodesItSwitchedOff()
    {
        using var script = new PowerScript();
        var dir = Path.Combine(Path.GetTempPath(), "lepton-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using (var server = await TestServer.StartAsync(dir, configure: WithPower(script)))
            {
                using var n1 = await server.RegisterAsync(await server.AgentAsync(), "n1");
                await WaitForStateAsync(server, "n1", "PoweredOff");
            }

            await using (var again = await TestServer.StartAsync(dir, configure: WithPower(script, offAfterSeconds: 3600)))
            {
                Assert.Equal("PoweredOff", (await NodeAsync(again, "n1")).State);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Controller_KeepOneOn_SwitchesOffEveryIdleNodeButOne()
    {
        using var script = new PowerScript();
        await using var server = await TestServer.StartAsync(configure: WithPower(script, keepOn: 1));
        using var n1 = await server.RegisterAsync(await server.AgentAsync(), "n1");
        using var n2 = await server.RegisterAsync(await server.AgentAsync(), "n2");

        // Core's controller switches idle nodes off in node order while more than the kept number are on.
        await WaitForStateAsync(server, "n1", "PoweredOff");
        for (var round = 0; round < 10; round++)
        {
            await Task.Delay(100);   // a few of the controller's 100 ms rounds: n2 stays on
            Assert.Equal("Ready", (await NodeAsync(server, "n2")).State);
        }

        Assert.Equal(["off|n1|"], script.Runs);
    }
}
