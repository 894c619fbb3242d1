using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Lepton.Client.Contracts;

namespace Lepton.EndToEnd.Tests.Agents;

/// <summary>Real agents with per-node credentials: each keeps its own in its work directory, restarts with it, and joins
/// afresh with the join token once an admin has removed its node.</summary>
public sealed class NodeIdentityEndToEndTests
{
    private const string Shape = "cpu=2,memory=2Gi";

    private static async Task<HttpStatusCode> BeatAsync(LocalCluster cluster, string token, string node)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/v1/agent/nodes/{node}/heartbeat")
        {
            Content = JsonContent.Create(new Heartbeat(), LeptonJsonContext.Default.Heartbeat),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var http = new HttpClient { BaseAddress = cluster.Url };
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    /// <summary>The credential file of an agent, once written (the node turns Ready on the server just before the agent
    /// has the answer in hand).</summary>
    private static async Task<string> CredentialAsync(LocalCluster cluster, string agent)
    {
        var path = Path.Combine(cluster.AgentWorkDirectory(agent), "node-token");
        await cluster.WaitAsync(() => Task.FromResult(File.Exists(path)), $"{agent} stores its credential", 30);
        return (await File.ReadAllTextAsync(path)).Trim();
    }

    [Fact]
    public async Task Agent_KeepsItsOwnCredential_JoinTokenAndOtherNodesCannotSpeakForIt()
    {
        await using var cluster = await LocalCluster.StartAsync(Shape, Shape);
        var path = Path.Combine(cluster.AgentWorkDirectory("agent-0"), "node-token");
        var own = await CredentialAsync(cluster, "agent-0");
        var other = await CredentialAsync(cluster, "agent-1");
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }

        Assert.NotEqual(own, other);

        Assert.Equal(HttpStatusCode.OK, await BeatAsync(cluster, own, "agent-0"));
        Assert.Equal(HttpStatusCode.Forbidden, await BeatAsync(cluster, cluster.AgentToken, "agent-0"));
        Assert.Equal(HttpStatusCode.Forbidden, await BeatAsync(cluster, other, "agent-0"));
    }

    [Fact]
    public async Task Agent_NodeRemovedWhileItWasDead_RejoinsWithTheJoinTokenAndANewCredential()
    {
        await using var cluster = await LocalCluster.StartAsync(Shape);
        var path = Path.Combine(cluster.AgentWorkDirectory("agent-0"), "node-token");
        var first = await CredentialAsync(cluster, "agent-0");

        cluster.KillAgent("agent-0");
        await cluster.WaitAsync(async () => (await cluster.NodesAsync()).Single().State == "Down", "the node goes Down");
        (await cluster.Admin.DeleteAsync("api/v1/nodes/agent-0")).EnsureSuccessStatusCode();
        Assert.Empty(await cluster.NodesAsync());

        cluster.RestartAgent("agent-0");
        await cluster.WaitAsync(async () => (await cluster.NodesAsync()).Any(n => n is { Name: "agent-0", State: "Ready" }), "the agent joins again");
        string second = first;
        // The agent first deletes the refused credential, then stores the new one.
        await cluster.WaitAsync(() => Task.FromResult(File.Exists(path) && (second = File.ReadAllText(path).Trim()) != first), "the agent stores its new credential", 30);
        Assert.NotEqual(first, second);
        Assert.Equal(HttpStatusCode.Unauthorized, await BeatAsync(cluster, first, "agent-0"));

        // Work runs on the rejoined node, reported with the new credential.
        var id = await cluster.SubmitAsync(new JobSubmission
        {
            Name = "after-rejoin",
            Resources = new JobResources { CpuMilli = 500, MemoryMiB = 128 },
            Command = ["/bin/sh", "-c", "echo rejoined"],
        });
        var job = await cluster.WaitForJobAsync(id, j => j.State is JobState.Succeeded or JobState.Failed, "the job finishes");
        Assert.Equal(JobState.Succeeded, job.State);
        Assert.Equal("rejoined\n", await cluster.LogsAsync(id));
    }
}
