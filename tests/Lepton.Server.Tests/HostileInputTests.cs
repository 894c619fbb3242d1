using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Lepton.Client.Contracts;
using Microsoft.Data.Sqlite;

namespace Lepton.Server.Tests;

/// <summary>Issue 9: one hostile or broken agent message must never cost the cluster its availability.</summary>
public sealed class HostileInputTests
{
    private const string GoodGpu = """{"index":0,"model":"A100","memoryMiB":1}""";

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    /// <summary>Every read the dashboard and the CLI make answers 200, and /metrics prints no non-finite number.</summary>
    private static async Task AssertReadsAnswerAsync(TestServer server)
    {
        foreach (var path in new[] { "/api/v1/nodes", "/api/v1/cluster/utilization", "/api/v1/nodes/reclaimable", "/api/v1/jobs", "/metrics", "/healthz" })
        {
            var response = await server.Admin.GetAsync(path);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {body}");
            Assert.DoesNotContain("Infinity", body, StringComparison.Ordinal);
            Assert.DoesNotContain("NaN", body, StringComparison.Ordinal);
        }
    }

    private static async Task AssertBadFieldAsync(HttpResponseMessage response, string field)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"expected 400 naming '{field}', got {(int)response.StatusCode}: {body}");
        using var problem = JsonDocument.Parse(body);
        Assert.True(problem.RootElement.TryGetProperty("errors", out var errors) && errors.TryGetProperty(field, out _),
            $"the problem should name '{field}': {body}");
    }

    [Theory]
    [InlineData("""{"name":"n1","cpuMilli":1000,"memoryMiB":1024,"gpus":[null]}""", "gpus[0]")]
    [InlineData("""{"name":"n1","cpuMilli":1000,"memoryMiB":1024,"pricePerHour":"Infinity"}""", "pricePerHour")]
    [InlineData("""{"name":"n1","cpuMilli":1000,"memoryMiB":1024,"pricePerHour":1e309}""", "pricePerHour")]
    [InlineData("""{"name":"n1","cpuMilli":1000,"memoryMiB":1024,"pricePerHour":1e308}""", "pricePerHour")]
    [InlineData("""{"name":"n1","cpuMilli":1000,"memoryMiB":1024,"pricePerHour":-1}""", "pricePerHour")]
    [InlineData("""{"name":"n1","cpuMilli":1000,"memoryMiB":1024,"peakWatts":"NaN"}""", "peakWatts")]
    [InlineData("""{"name":"n1","cpuMilli":1000,"memoryMiB":1024,"idleWatts":"-Infinity"}""", "idleWatts")]
    [InlineData("""{"name":"n1","cpuMilli":-5,"memoryMiB":1024}""", "cpuMilli")]
    [InlineData("""{"name":"n1","cpuMilli":"1000","memoryMiB":1024}""", "cpuMilli")]
    [InlineData("""{"name":"n1","cpuMilli":1000,"memoryMiB":1024,"gpus":[{"index":-1,"model":"A100","memoryMiB":1}]}""", "gpus[0].index")]
    [InlineData("""{"name":"n1","cpuMilli":1000,"memoryMiB":1024,"gpus":[{"index":0,"model":"A100","memoryMiB":-1}]}""", "gpus[0].memoryMiB")]
    public async Task Register_HostileNumbersOrNulls_400NamingFieldAndReadsStillAnswer(string body, string field)
    {
        await using var server = await TestServer.StartAsync();
        var agent = await server.AgentAsync();
        await AssertBadFieldAsync(await agent.PostAsync("/api/v1/agent/register", Json(body)), field);
        await AssertReadsAnswerAsync(server);
    }

    [Fact]
    public async Task Register_TwoNodesAtTheHighestPrice_SumsStayFinite()
    {
        await using var server = await TestServer.StartAsync();
        var agent = await server.AgentAsync();
        foreach (var name in new[] { "n1", "n2" })
        {
            var body = $$"""{"name":"{{name}}","cpuMilli":1000,"memoryMiB":1024,"pricePerHour":1000000,"idleWatts":1000000,"peakWatts":1000000}""";
            Assert.Equal(HttpStatusCode.OK, (await agent.PostAsync("/api/v1/agent/register", Json(body))).StatusCode);
        }

        await AssertReadsAnswerAsync(server);
    }

    [Theory]
    [InlineData("""{"usage":{"cpuPercent":1,"memoryUsedMiB":1,"gpus":[null]}}""", "usage.gpus[0]")]
    [InlineData("""{"usage":{"cpuPercent":1,"memoryUsedMiB":1,"gpus":[]},"running":[null]}""", "running[0]")]
    [InlineData("""{"usage":{"cpuPercent":"Infinity","memoryUsedMiB":1,"gpus":[]}}""", "usage.cpuPercent")]
    [InlineData("""{"usage":{"cpuPercent":"NaN","memoryUsedMiB":1,"gpus":[]}}""", "usage.cpuPercent")]
    [InlineData("""{"usage":{"cpuPercent":1,"memoryUsedMiB":1,"gpus":[{"index":0,"utilizationPercent":1e308,"memoryUsedMiB":1}]}}""", "usage.gpus[0].utilizationPercent")]
    [InlineData("""{"usage":{"cpuPercent":1,"memoryUsedMiB":-1,"gpus":[]}}""", "usage.memoryUsedMiB")]
    [InlineData("""{"usage":{"cpuPercent":1,"memoryUsedMiB":1,"gpus":[],"cpuWatts":-5}}""", "usage.cpuWatts")]
    [InlineData("""{"usage":{"cpuPercent":1,"memoryUsedMiB":1,"gpus":[],"cpuWatts":"Infinity"}}""", "usage.cpuWatts")]
    [InlineData("""{"usage":{"cpuPercent":1,"memoryUsedMiB":1,"gpus":[],"cpuWatts":1e9}}""", "usage.cpuWatts")]
    [InlineData("""{"usage":{"cpuPercent":1,"memoryUsedMiB":1,"gpus":[{"index":0,"utilizationPercent":1,"memoryUsedMiB":1,"powerWatts":"NaN"}]}}""", "usage.gpus[0].powerWatts")]
    [InlineData("""{"usage":{"cpuPercent":1,"memoryUsedMiB":1,"gpus":[]},"running":[{"taskId":0,"attempt":-1}]}""", "running[0].taskId")]
    public async Task Heartbeat_HostileNumbersOrNulls_400NamingFieldAndReadsStillAnswer(string body, string field)
    {
        await using var server = await TestServer.StartAsync();
        var agent = await server.AgentAsync();
        var register = $$"""{"name":"n1","cpuMilli":1000,"memoryMiB":1024,"gpus":[{{GoodGpu}}]}""";
        var registered = await agent.PostAsync("/api/v1/agent/register", Json(register));
        Assert.Equal(HttpStatusCode.OK, registered.StatusCode);
        using var n1 = server.Client((await registered.Content.ReadFromJsonAsync(LeptonJsonContext.Default.NodeRegistered))!.NodeToken);

        await AssertBadFieldAsync(await n1.PostAsync("/api/v1/agent/nodes/n1/heartbeat", Json(body)), field);
        // The utilisation sampler runs in the background every few seconds; take a sample now, as it would.
        await Task.Delay(100);
        await AssertReadsAnswerAsync(server);
    }

    [Theory]
    [InlineData("""{"attempt":-1,"status":"Started"}""", "attempt")]
    [InlineData("""{"attempt":0,"status":"Exited","exitCode":0,"message":null,"extra":1}""", "extra")]
    public async Task TaskStatus_HostileBody_400NamingField(string body, string field)
    {
        await using var server = await TestServer.StartAsync();
        var agent = await server.AgentAsync();
        var n1 = await server.RegisterAsync(agent, "n1");
        await AssertBadFieldAsync(await n1.PostAsync("/api/v1/agent/nodes/n1/tasks/1/status", Json(body)), field);
    }

    [Fact]
    public async Task Register_FewerGpusThanBound_RequeuesWithEventAndOthersStillSchedule()
    {
        await using var server = await TestServer.StartAsync();
        var agent = await server.AgentAsync();
        var n1 = await server.RegisterAsync(agent, "n1", gpus: 2);
        await server.RegisterAsync(agent, "n2", cpuMilli: 4000, gpus: 0);
        var teamA = await server.TenantAsync("team-a");
        var teamB = await server.TenantAsync("team-b");
        var big = await TestServer.SubmitAsync(teamA, TestServer.Job("two-gpus", gpu: 2, cpuMilli: 1000));
        await TestServer.WaitAsync(teamA, big.Id, j => j.State == JobState.Scheduled);

        // The agent restarts after a GPU fell off the bus.
        await TestServer.ReRegisterAsync(n1, "n1", gpus: 1);
        var requeued = await TestServer.GetAsync(teamA, big.Id);
        Assert.Equal(JobState.Pending, requeued.State);
        Assert.Contains(requeued.Events, e => e.Type == "NodeShrunk" && e.Message.Contains("n1", StringComparison.Ordinal));
        Assert.Equal(0, requeued.Retries);

        var small = await TestServer.SubmitAsync(teamB, TestServer.Job("cpu", cpuMilli: 1000));
        await TestServer.WaitAsync(teamB, small.Id, j => j.State == JobState.Scheduled);
        Assert.Equal(HttpStatusCode.OK, (await server.Admin.GetAsync($"/api/v1/jobs/{big.Id}/explain")).StatusCode);
        foreach (var node in (await server.Admin.GetFromJsonAsync("/api/v1/nodes", LeptonJsonContext.Default.ListNodeView))!)
        {
            Assert.True(node.Allocated.GpuMilli <= node.Capacity.GpuMilli && node.Allocated.CpuMilli <= node.Capacity.CpuMilli,
                $"node {node.Name} is allocated past its capacity");
        }
    }

    [Fact]
    public async Task Register_LessCpuThanBound_RequeuesWhatNoLongerFits()
    {
        await using var server = await TestServer.StartAsync();
        var agent = await server.AgentAsync();
        var n1 = await server.RegisterAsync(agent, "n1", cpuMilli: 4000);
        var team = await server.TenantAsync("team-a");
        var jobs = new List<JobView>();
        for (var i = 0; i < 3; i++)
        {
            jobs.Add(await TestServer.SubmitAsync(team, TestServer.Job($"cpu-{i}", cpuMilli: 1000, priority: 5 + i)));
        }

        foreach (var job in jobs)
        {
            await TestServer.WaitAsync(team, job.Id, j => j.State == JobState.Scheduled);
        }

        await TestServer.ReRegisterAsync(n1, "n1", cpuMilli: 0);
        var node = Assert.Single((await server.Admin.GetFromJsonAsync("/api/v1/nodes", LeptonJsonContext.Default.ListNodeView))!);
        Assert.Equal(0, node.Allocated.CpuMilli);
        foreach (var job in jobs)
        {
            var now = await TestServer.GetAsync(team, job.Id);
            Assert.Equal(JobState.Pending, now.State);
            Assert.Contains(now.Events, e => e.Type == "NodeShrunk");
        }
    }

    [Fact]
    public async Task Restart_StoreHoldsTaskThatNoLongerFits_CycleRequeuesItAndSchedulesOthers()
    {
        var dir = Path.Combine(Path.GetTempPath(), "lepton-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            long bigId;
            string tenantToken;
            string n2Token;
            await using (var server = await TestServer.StartAsync(dir))
            {
                var agent = await server.AgentAsync();
                await server.RegisterAsync(agent, "n1", gpus: 2);
                n2Token = await TestServer.RegisterForTokenAsync(agent, "n2", gpus: 0);
                tenantToken = await TokenForNewTenantAsync(server, "team-a");
                using var team = server.Client(tenantToken);
                bigId = (await TestServer.SubmitAsync(team, TestServer.Job("two-gpus", gpu: 2))).Id;
                await TestServer.WaitAsync(team, bigId, j => j.State == JobState.Scheduled);
            }

            // What an older server let in: node n1 registered with one GPU while a 2-GPU task stays bound there.
            using (var db = new SqliteConnection($"Data Source={Path.Combine(dir, "lepton.db")};Pooling=false"))
            {
                db.Open();
                using var update = db.CreateCommand();
                update.CommandText = """UPDATE nodes SET registration = json_set(registration, '$.gpus', json('[{"index":0,"model":"A100","memoryMiB":40960}]')) WHERE name = 'n1'""";
                Assert.Equal(1, update.ExecuteNonQuery());
            }

            await using (var server = await TestServer.StartAsync(dir))
            {
                using var team = server.Client(tenantToken);
                // A restarted server offers a node no work until its agent heartbeats again.
                using var n2 = server.Client(n2Token);
                (await n2.PostAsJsonAsync("/api/v1/agent/nodes/n2/heartbeat", new Heartbeat { Usage = new NodeUsage() }, LeptonJsonContext.Default.Heartbeat))
                    .EnsureSuccessStatusCode();
                var requeued = await TestServer.WaitAsync(team, bigId, j => j.State == JobState.Pending);
                Assert.Contains(requeued.Events, e => e.Type == "NodeShrunk");
                var other = await TestServer.SubmitAsync(team, TestServer.Job("cpu"));
                await TestServer.WaitAsync(team, other.Id, j => j.State == JobState.Scheduled);
                Assert.Equal(HttpStatusCode.OK, (await team.GetAsync($"/api/v1/jobs/{bigId}/explain")).StatusCode);
                await AssertReadsAnswerAsync(server);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<string> TokenForNewTenantAsync(TestServer server, string name)
    {
        var created = await server.Admin.PostAsJsonAsync("/api/v1/tenants", new TenantCreate { Name = name }, LeptonJsonContext.Default.TenantCreate);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return await server.TokenAsync("tenant", name);
    }
}
