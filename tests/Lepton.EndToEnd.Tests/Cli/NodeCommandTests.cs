using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Lepton.Client;
using Lepton.Client.Contracts;

namespace Lepton.EndToEnd.Tests.Cli;

/// <summary><c>lepton node …</c> and <c>lepton token create --kind agent</c> against <c>lepton up</c> with two agents.</summary>
[Collection(LocalClusterCollection.Name)]
public sealed class NodeCommandTests(LocalClusterFixture cluster)
{
    [Fact]
    public async Task List_TwoAgents_ShowsEachNodeWithGpuModelAndCapacity()
    {
        var cli = cluster.Cli();

        var table = await cli.RunAsync("node", "list");
        var json = await cli.RunAsync("node", "list", "--json");

        Assert.True(table.ExitCode == 0, table.ToString());
        foreach (var name in cluster.NodeNames)
        {
            Assert.Contains(name, table.Stdout, StringComparison.Ordinal);
        }

        Assert.Contains("/4 A100", table.Stdout, StringComparison.Ordinal);
        Assert.Contains("/2 V100M32", table.Stdout, StringComparison.Ordinal);
        var nodes = JsonSerializer.Deserialize<List<NodeView>>(json.Stdout, LeptonJson.Options)!;
        Assert.Contains(nodes, n => n.GpuModel == "A100" && n.Capacity.GpuMilli == 4000 && n.Capacity.CpuMilli == 8000);
        // Other tests in this collection register bare nodes (no agent process, no isolation); only the agents' own
        // nodes report how their tasks are isolated.
        Assert.All(nodes.Where(n => cluster.NodeNames.Contains(n.Name)), n => Assert.Equal("namespaces", n.Isolation));
        Assert.Contains("ISOLATION", table.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_GroupByZone_OneHeadingPerValueUnlabelledLast()
    {
        var cli = cluster.Cli();

        var table = await cli.RunAsync("node", "list", "--group-by", "zone");

        Assert.True(table.ExitCode == 0, table.ToString());
        // The agents carry no zone label: they sit under one "(none)" heading with their GPUs counted.
        Assert.Contains("zone=(none):", table.Stdout, StringComparison.Ordinal);
        foreach (var name in cluster.NodeNames)
        {
            Assert.Contains(name, table.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task UtilizationHistory_TwoAgents_SamplesCountTheirGpus()
    {
        using var client = cluster.AdminClient();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        Lepton.Client.Insights.UtilizationHistory history;
        do
        {
            history = await client.GetUtilizationAsync();
            if (history.Samples.Any(s => s.GpuCapacityMilli == 6000))
            {
                break;
            }

            await Task.Delay(500);
        }
        while (DateTime.UtcNow < deadline);

        Assert.True(history.IntervalSeconds > 0);
        Assert.Contains(history.Samples, s => s.GpuCapacityMilli == 6000 && s.CpuCapacityMilli >= 16000);
        Assert.Equal(history.Samples.OrderBy(s => s.Time), history.Samples);
    }

    [Fact]
    public async Task Drain_NodeRegisteredWithNewAgentToken_BecomesDraining()
    {
        var cli = cluster.AdminCli();
        var token = await cli.RunAsync("token", "create", "--kind", "agent", "--description", "drain test");
        Assert.True(token.ExitCode == 0, token.ToString());
        var agentToken = token.Stdout.Trim();
        using (var http = new HttpClient { BaseAddress = cluster.Server })
        {
            using var register = new HttpRequestMessage(HttpMethod.Post, "api/v1/agent/register")
            {
                Content = JsonContent.Create(new NodeRegistration { Name = "drain-me", CpuMilli = 2000, MemoryMiB = 4096 }, LeptonJsonContext.Default.NodeRegistration),
            };
            register.Headers.Authorization = new AuthenticationHeaderValue("Bearer", agentToken);
            using var response = await http.SendAsync(register);
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        }

        var drain = await cli.RunAsync("node", "drain", "drain-me");
        var list = await cli.RunAsync("node", "list", "--json");

        Assert.True(drain.ExitCode == 0, drain.ToString());
        Assert.StartsWith("node drain-me is Draining", drain.Stdout, StringComparison.Ordinal);
        var node = JsonSerializer.Deserialize<List<NodeView>>(list.Stdout, LeptonJson.Options)!.Single(n => n.Name == "drain-me");
        Assert.NotEqual("Ready", node.State);
    }

    [Fact]
    public async Task UndrainThenRemove_ExtraNode_ReadyAgainThenGoneAndItsCredentialDead()
    {
        var cli = cluster.AdminCli();
        var token = await cli.RunAsync("token", "create", "--kind", "agent", "--description", "remove test");
        Assert.True(token.ExitCode == 0, token.ToString());
        using var http = new HttpClient { BaseAddress = cluster.Server };
        using var register = new HttpRequestMessage(HttpMethod.Post, "api/v1/agent/register")
        {
            Content = JsonContent.Create(new NodeRegistration { Name = "remove-me", CpuMilli = 1000, MemoryMiB = 1024 }, LeptonJsonContext.Default.NodeRegistration),
        };
        register.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Stdout.Trim());
        using var registered = await http.SendAsync(register);
        Assert.True(registered.IsSuccessStatusCode, await registered.Content.ReadAsStringAsync());
        var credential = (await registered.Content.ReadFromJsonAsync(LeptonJsonContext.Default.NodeRegistered))!.NodeToken!;

        Assert.Equal(0, (await cli.RunAsync("node", "drain", "remove-me")).ExitCode);
        var undrain = await cli.RunAsync("node", "undrain", "remove-me");
        Assert.True(undrain.ExitCode == 0, undrain.ToString());
        Assert.Equal("node remove-me is Ready", undrain.Stdout.Trim());

        var remove = await cli.RunAsync("node", "remove", "remove-me");
        Assert.True(remove.ExitCode == 0, remove.ToString());
        Assert.Equal("node remove-me is removed", remove.Stdout.Trim());
        var list = await cli.RunAsync("node", "list", "--json");
        Assert.DoesNotContain(JsonSerializer.Deserialize<List<NodeView>>(list.Stdout, LeptonJson.Options)!, n => n.Name == "remove-me");
        using var beat = new HttpRequestMessage(HttpMethod.Post, "api/v1/agent/nodes/remove-me/heartbeat")
        {
            Content = JsonContent.Create(new Heartbeat(), LeptonJsonContext.Default.Heartbeat),
        };
        beat.Headers.Authorization = new AuthenticationHeaderValue("Bearer", credential);
        using var refused = await http.SendAsync(beat);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.StatusCode);

        var again = await cli.RunAsync("node", "remove", "remove-me");
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("not found", again.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Remove_NodeWithWorkOfItsAgent_RefusedExit1()
    {
        // A Ready node with a task bound is refused: its agent may still run the task. Submit a long job and remove its node.
        var team = cluster.Cli();
        var spec = Path.Combine(Path.GetTempPath(), "lepton-remove-" + Guid.NewGuid().ToString("N") + ".yaml");
        await File.WriteAllTextAsync(spec, "name: pinned\nresources:\n  cpu: 100m\n  memory: 64Mi\ncommand: [\"sleep\", \"60\"]\n");
        var submitted = await team.RunAsync("job", "submit", "-f", spec, "--json");
        File.Delete(spec);
        Assert.True(submitted.ExitCode == 0, submitted.ToString());
        var id = JsonSerializer.Deserialize<JobView>(submitted.Stdout, LeptonJson.Options)!.Id;
        using var client = cluster.AdminClient();
        JobView job;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((job = await client.GetJobAsync(id)).Placements.Count == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the job was never placed");
            await Task.Delay(100);
        }

        var result = await cluster.AdminCli().RunAsync("node", "remove", job.Placements[0].Node);
        await client.CancelJobAsync(id);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("drain", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Drain_WithTenantToken_RefusedExit1()
    {
        var result = await cluster.Cli().RunAsync("node", "drain", cluster.NodeNames[0]);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: not allowed with this token", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Drain_UnknownNode_OneLineErrorExit1()
    {
        var result = await cluster.AdminCli().RunAsync("node", "drain", "no-such-node");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: ", result.Stderr, StringComparison.Ordinal);
        Assert.Single(result.Stderr.Trim().Split('\n'));
    }
}
