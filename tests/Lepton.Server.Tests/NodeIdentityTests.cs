using System.Net;
using System.Net.Http.Json;
using Lepton.Client.Contracts;
using Microsoft.Data.Sqlite;

namespace Lepton.Server.Tests;

/// <summary>One identity per node: a join token only registers; each node's own credential speaks for that node alone.</summary>
public sealed class NodeIdentityTests
{
    private static Task<HttpResponseMessage> BeatAsync(HttpClient client, string node) =>
        client.PostAsJsonAsync($"/api/v1/agent/nodes/{node}/heartbeat", new Heartbeat(), LeptonJsonContext.Default.Heartbeat);

    private static Task<HttpResponseMessage> ExitAsync(HttpClient client, string node, long taskId, int attempt = 0) =>
        client.PostAsJsonAsync($"/api/v1/agent/nodes/{node}/tasks/{taskId}/status",
            new TaskStatusReport { Attempt = attempt, Status = "Exited", ExitCode = 0 }, LeptonJsonContext.Default.TaskStatusReport);

    private static Task<HttpResponseMessage> LogAsync(HttpClient client, string node, long taskId, string text) =>
        client.PostAsJsonAsync($"/api/v1/agent/nodes/{node}/tasks/{taskId}/logs",
            new LogChunk { Attempt = 0, Stream = "stdout", Text = text }, LeptonJsonContext.Default.LogChunk);

    /// <summary>A server with tenant team-a's job (with an env secret) bound to n2, and node n1 registered beside it.</summary>
    private static async Task<(TestServer Server, HttpClient Join, HttpClient N1, HttpClient N2, HttpClient Team, JobView Job)> TwoNodesAsync()
    {
        var server = await TestServer.StartAsync();
        var join = await server.AgentAsync();
        var n2 = await server.RegisterAsync(join, "n2");
        var team = await server.TenantAsync("team-a");
        var job = await TestServer.SubmitAsync(team, TestServer.Job() with { Env = new Dictionary<string, string> { ["SECRET"] = "hunter2" } });
        job = await TestServer.WaitAsync(team, job.Id, j => j.State == JobState.Scheduled);
        Assert.Equal("n2", Assert.Single(job.Placements).Node);
        var n1 = await server.RegisterAsync(join, "n1");
        return (server, join, n1, n2, team, job);
    }

    [Fact]
    public async Task Heartbeat_AsAnotherNode_RefusedWithNothingOfItsTasks()
    {
        var (server, join, n1, n2, _, _) = await TwoNodesAsync();
        await using var _server = server;
        foreach (var intruder in new[] { join, n1, server.Admin })
        {
            var response = await BeatAsync(intruder, "n2");
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.DoesNotContain("hunter2", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // The node's own credential gets its task.
        var own = await (await BeatAsync(n2, "n2")).Content.ReadFromJsonAsync(LeptonJsonContext.Default.HeartbeatResponse);
        Assert.Equal("hunter2", Assert.Single(own!.Assignments).Env["SECRET"]);
    }

    [Fact]
    public async Task Status_FromNodeTheTaskIsNotBoundTo_RefusedAndJobUnchanged()
    {
        var (server, join, n1, _, team, job) = await TwoNodesAsync();
        await using var _server = server;
        var taskId = Assert.Single(job.Tasks).Id;

        // The issue's reproduction: POST /api/v1/agent/nodes/n2/tasks/1/status {"attempt":0,"status":"Exited","exitCode":0}.
        Assert.Equal(HttpStatusCode.Forbidden, (await ExitAsync(join, "n2", taskId)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await ExitAsync(n1, "n2", taskId)).StatusCode);
        var forged = await ExitAsync(n1, "n1", taskId);
        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        Assert.Equal("application/problem+json", forged.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, (await ExitAsync(n1, "n1", 9999)).StatusCode);

        var after = await TestServer.GetAsync(team, job.Id);
        Assert.Equal(JobState.Scheduled, after.State);
        Assert.DoesNotContain(after.Events, e => e.Type is "Exited" or "Succeeded");
    }

    [Fact]
    public async Task LogUpload_ForAnotherNodesTask_Refused()
    {
        var (server, join, n1, n2, team, job) = await TwoNodesAsync();
        await using var _server = server;
        var taskId = Assert.Single(job.Tasks).Id;

        Assert.Equal(HttpStatusCode.Forbidden, (await LogAsync(join, "n2", taskId, "forged by join\n")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await LogAsync(n1, "n2", taskId, "forged by n1 as n2\n")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await LogAsync(n1, "n1", taskId, "forged by n1\n")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await LogAsync(n2, "n2", taskId, "real line\n")).StatusCode);

        var logs = await team.GetStringAsync($"/api/v1/jobs/{job.Id}/logs");
        Assert.Contains("real line", logs, StringComparison.Ordinal);
        Assert.DoesNotContain("forged", logs, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Register_AnotherNodesName_RefusedUntilAdminRemovesIt()
    {
        var (server, join, n1, n2, _, _) = await TwoNodesAsync();
        await using var _server = server;
        var registration = new NodeRegistration { Name = "n1", CpuMilli = 1, MemoryMiB = 1 };

        var takeover = await join.PostAsJsonAsync("/api/v1/agent/register", registration, LeptonJsonContext.Default.NodeRegistration);
        Assert.Equal(HttpStatusCode.Conflict, takeover.StatusCode);
        Assert.Contains("lepton node remove n1", await takeover.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict,
            (await server.Admin.PostAsJsonAsync("/api/v1/agent/register", registration, LeptonJsonContext.Default.NodeRegistration)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden,
            (await n2.PostAsJsonAsync("/api/v1/agent/register", registration, LeptonJsonContext.Default.NodeRegistration)).StatusCode);
        var nodes = await server.Admin.GetFromJsonAsync("/api/v1/nodes", LeptonJsonContext.Default.ListNodeView);
        Assert.Equal(8000, nodes!.Single(n => n.Name == "n1").Capacity.CpuMilli);

        // The node itself may register again (an agent restart) and keeps its credential.
        var again = await n1.PostAsJsonAsync("/api/v1/agent/register", registration with { CpuMilli = 4000, MemoryMiB = 1024 }, LeptonJsonContext.Default.NodeRegistration);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Null((await again.Content.ReadFromJsonAsync(LeptonJsonContext.Default.NodeRegistered))!.NodeToken);
        Assert.Equal(HttpStatusCode.OK, (await BeatAsync(n1, "n1")).StatusCode);

        // Once an admin removes it, the name is free; the old credential is dead.
        Assert.Equal(HttpStatusCode.NoContent, (await server.Admin.DeleteAsync("/api/v1/nodes/n1")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await BeatAsync(n1, "n1")).StatusCode);
        var fresh = await server.RegisterAsync(join, "n1");
        Assert.Equal(HttpStatusCode.OK, (await BeatAsync(fresh, "n1")).StatusCode);
    }

    [Fact]
    public async Task RevokedToken_RefusedAtOnce_AndAfterRestart()
    {
        var dir = Path.Combine(Path.GetTempPath(), "lepton-test-" + Guid.NewGuid().ToString("N"));
        string tenantSecret, nodeSecret;
        await using (var server = await TestServer.StartAsync(dir))
        {
            await server.TenantAsync("team-a");
            tenantSecret = await server.TokenAsync("tenant", "team-a");
            nodeSecret = await TestServer.RegisterForTokenAsync(await server.AgentAsync(), "n1");
            using var tenant = server.Client(tenantSecret);
            using var node = server.Client(nodeSecret);
            Assert.Equal(HttpStatusCode.OK, (await tenant.GetAsync("/api/v1/jobs")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await BeatAsync(node, "n1")).StatusCode);

            var tokens = (await server.Admin.GetFromJsonAsync("/api/v1/tokens", LeptonJsonContext.Default.ListTokenView))!;
            var tenantToken = tokens.Last(t => t.Kind == "tenant");
            var nodeToken = tokens.Single(t => t.Kind == "node");
            Assert.Equal("n1", nodeToken.Node);
            Assert.NotNull(tenantToken.LastUsedAt);
            Assert.All(tokens, t => Assert.Null(t.Token));

            var revoked = await server.Admin.DeleteAsync($"/api/v1/tokens/{tenantToken.Id}");
            Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
            Assert.NotNull((await revoked.Content.ReadFromJsonAsync(LeptonJsonContext.Default.TokenView))!.RevokedAt);
            Assert.Equal(HttpStatusCode.Unauthorized, (await tenant.GetAsync("/api/v1/jobs")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await server.Admin.DeleteAsync($"/api/v1/tokens/{nodeToken.Id}")).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await BeatAsync(node, "n1")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await server.Admin.DeleteAsync("/api/v1/tokens/9999")).StatusCode);
        }

        await using (var restarted = await TestServer.StartAsync(dir))
        {
            using var tenant = restarted.Client(tenantSecret);
            Assert.Equal(HttpStatusCode.Unauthorized, (await tenant.GetAsync("/api/v1/jobs")).StatusCode);
            using var node = restarted.Client(nodeSecret);
            Assert.Equal(HttpStatusCode.Unauthorized, (await BeatAsync(node, "n1")).StatusCode);
            // A revoked credential still claims its node: a join token cannot take the name over.
            var takeover = await (await restarted.AgentAsync()).PostAsJsonAsync("/api/v1/agent/register",
                new NodeRegistration { Name = "n1", CpuMilli = 1, MemoryMiB = 1 }, LeptonJsonContext.Default.NodeRegistration);
            Assert.Equal(HttpStatusCode.Conflict, takeover.StatusCode);
        }

        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public async Task RevokeToken_LastAdminToken_Refused()
    {
        await using var server = await TestServer.StartAsync();
        var tokens = (await server.Admin.GetFromJsonAsync("/api/v1/tokens", LeptonJsonContext.Default.ListTokenView))!;
        var admin = tokens.Single(t => t.Kind == "admin");
        Assert.Equal(HttpStatusCode.Conflict, (await server.Admin.DeleteAsync($"/api/v1/tokens/{admin.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Admin.GetAsync("/api/v1/tenants")).StatusCode);

        using var second = server.Client(await server.TokenAsync("admin"));
        Assert.Equal(HttpStatusCode.OK, (await second.DeleteAsync($"/api/v1/tokens/{admin.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Admin.GetAsync("/api/v1/tenants")).StatusCode);
    }

    [Fact]
    public async Task TokenCreate_NodeKind_Refused()
    {
        await using var server = await TestServer.StartAsync();
        var response = await server.Admin.PostAsJsonAsync("/api/v1/tokens", new TokenCreate { Kind = "node" }, LeptonJsonContext.Default.TokenCreate);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task RemoveNode_WithBoundWork_RefusedWhileUp_RequeuedWithoutRetryOnceDown()
    {
        await using var server = await TestServer.StartAsync(heartbeatTimeout: TimeSpan.FromSeconds(1));
        var join = await server.AgentAsync();
        var n1 = await server.RegisterAsync(join, "n1");
        var team = await server.TenantAsync("team-a");
        var job = await TestServer.SubmitAsync(team, TestServer.Job());
        await TestServer.WaitAsync(team, job.Id, j => j.State == JobState.Scheduled);

        var refused = await server.Admin.DeleteAsync("/api/v1/nodes/n1");
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("drain", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Admin.DeleteAsync("/api/v1/nodes/ghost")).StatusCode);
        using var tenantDelete = await team.DeleteAsync("/api/v1/nodes/n1");
        Assert.Equal(HttpStatusCode.Forbidden, tenantDelete.StatusCode);

        // n1 stops heartbeating: it goes Down and its job (no retries) fails, so nothing is bound there any more.
        var nodes = server.Admin;
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while ((await nodes.GetFromJsonAsync("/api/v1/nodes", LeptonJsonContext.Default.ListNodeView))!.Single().State != "Down")
        {
            Assert.True(DateTime.UtcNow < deadline, "n1 never went Down");
            await Task.Delay(100);
        }

        Assert.Equal(HttpStatusCode.NoContent, (await server.Admin.DeleteAsync("/api/v1/nodes/n1")).StatusCode);
        Assert.Empty((await nodes.GetFromJsonAsync("/api/v1/nodes", LeptonJsonContext.Default.ListNodeView))!);
        Assert.Equal(HttpStatusCode.Unauthorized, (await BeatAsync(n1, "n1")).StatusCode);
    }

    [Fact]
    public async Task Undrain_DrainingNode_TakesWorkAgain()
    {
        await using var server = await TestServer.StartAsync();
        await server.RegisterAsync(await server.AgentAsync(), "n1");
        Assert.Equal(HttpStatusCode.OK, (await server.Admin.PostAsync("/api/v1/nodes/n1/drain", null)).StatusCode);
        var team = await server.TenantAsync("team-a");
        var job = await TestServer.SubmitAsync(team, TestServer.Job());
        await TestServer.WaitAsync(team, job.Id, j => j.State == JobState.Pending && j.Reason?.Code != "Queued");

        var undrained = await server.Admin.PostAsync("/api/v1/nodes/n1/undrain", null);
        Assert.Equal(HttpStatusCode.OK, undrained.StatusCode);
        Assert.Equal("Ready", (await undrained.Content.ReadFromJsonAsync(LeptonJsonContext.Default.NodeView))!.State);
        await TestServer.WaitAsync(team, job.Id, j => j.State == JobState.Scheduled);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Admin.PostAsync("/api/v1/nodes/ghost/undrain", null)).StatusCode);
    }

    [Fact]
    public async Task ExistingDatabase_OfTheFirstSchema_IsMigratedAndItsNodeClaimedOnce()
    {
        var dir = Path.Combine(Path.GetTempPath(), "lepton-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        const string admin = "lt_admin-of-an-old-release";
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(dir, "lepton.db")};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            // The schema as the first release wrote it, with an admin token and a node registered by a shared agent token.
            command.CommandText = $$"""
                CREATE TABLE tenants (name TEXT PRIMARY KEY, quota TEXT, weight REAL NOT NULL, created_at INTEGER NOT NULL);
                CREATE TABLE tokens (id INTEGER PRIMARY KEY, hash TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, tenant TEXT,
                    description TEXT, created_at INTEGER NOT NULL);
                CREATE TABLE nodes (name TEXT PRIMARY KEY, registration TEXT NOT NULL, state TEXT NOT NULL, registered_at INTEGER NOT NULL);
                INSERT INTO tokens VALUES (1, '{{Model.ControlPlane.HashToken(admin)}}', 'Admin', NULL, 'first start', 0);
                INSERT INTO nodes VALUES ('old', '{"name":"old","cpuMilli":1000,"memoryMiB":1024,"gpus":[]}', 'Ready', 0);
                """;
            command.ExecuteNonQuery();
        }

        await File.WriteAllTextAsync(Path.Combine(dir, "admin-token"), admin + "\n");
        await using (var server = await TestServer.StartAsync(dir))
        {
            Assert.Equal(HttpStatusCode.OK, (await server.Admin.GetAsync("/api/v1/tokens")).StatusCode);
            var join = await server.AgentAsync();
            // No credential was ever issued for 'old': the first join-token registration claims it, the next is refused.
            var claimed = await server.RegisterAsync(join, "old");
            Assert.Equal(HttpStatusCode.OK, (await BeatAsync(claimed, "old")).StatusCode);
            var again = await join.PostAsJsonAsync("/api/v1/agent/register", new NodeRegistration { Name = "old", CpuMilli = 1, MemoryMiB = 1 },
                LeptonJsonContext.Default.NodeRegistration);
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        }

        await using (var restarted = await TestServer.StartAsync(dir))
        {
            Assert.Equal(HttpStatusCode.OK, (await restarted.Admin.GetAsync("/api/v1/tokens")).StatusCode);
        }

        Directory.Delete(dir, recursive: true);
    }
}
