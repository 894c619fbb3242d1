using System.Net;
using System.Net.Http.Json;
using System.Text;
using Lepton.Client;
using Lepton.Client.Contracts;
using Lepton.Client.Insights;

namespace Lepton.Server.Tests;

/// <summary>Topology-aware placement in the live server: labels from agents, the job's topology field, reasons, explain.</summary>
public sealed class TopologyApiTests
{
    private static Dictionary<string, string> Rack(string rack) => new() { ["region"] = "eu", ["zone"] = "eu-1", ["tier"] = "cloud", ["rack"] = rack };

    [Fact]
    public async Task Submit_RequiredRack_KeptInOneRackThenNextGangWaitsNamingTheLevel()
    {
        await using var server = await TestServer.StartAsync();
        var agent = await server.AgentAsync();
        await server.RegisterAsync(agent, "r1-a", gpus: 4, labels: Rack("r1"));
        await server.RegisterAsync(agent, "r1-b", gpus: 4, labels: Rack("r1"));
        await server.RegisterAsync(agent, "r2-a", gpus: 4, labels: Rack("r2"));
        await server.RegisterAsync(agent, "r2-b", gpus: 2, labels: Rack("r2"));
        var team = await server.TenantAsync("team-a");
        JobSubmission Gang(string name)
        {
            var job = TestServer.Job(name, replicas: 2, gpu: 4);
            job.Resources.Topology = new JobTopology { Required = "rack" };
            return job;
        }

        var first = await TestServer.SubmitAsync(team, Gang("first"));
        var placed = await TestServer.WaitAsync(team, first.Id, j => j.State != JobState.Pending);
        Assert.All(placed.Placements, p => Assert.StartsWith("r1-", p.Node, StringComparison.Ordinal));
        Assert.Contains(placed.Events, e => e.Type == "Scheduled" && e.Message.Contains("required rack kept", StringComparison.Ordinal));

        // r2 has 6 GPUs free and the cluster 6 in all; a gang of 2 × 4 fits no rack.
        var second = await TestServer.SubmitAsync(team, Gang("second"));
        var waiting = await TestServer.WaitAsync(team, second.Id, j => j.Reason is not null && j.Reason.Code != "Queued");
        Assert.Equal(JobState.Pending, waiting.State);
        Assert.Contains("required rack: no rack", waiting.Reason!.Message, StringComparison.Ordinal);

        var x = (await team.GetFromJsonAsync<JobExplanation>($"/api/v1/jobs/{second.Id}/explain", LeptonJson.Options))!;
        Assert.Contains(x.Constraints, c => c.Constraint == "topology" && c.Message.Contains("required rack", StringComparison.Ordinal));
        Assert.Contains("required rack", x.Summary, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"name\": \"x\", \"command\": [\"true\"], \"resources\": {\"latency\": {\"users\": \"eu\", \"budgetMs\": -1}}}", "resources.latency.budgetMs")]
    [InlineData("{\"name\": \"x\", \"command\": [\"true\"], \"resources\": {\"data\": {\"name\": \"d\", \"at\": \"z\", \"sizeMiB\": 0}}}", "resources.data.sizeMiB")]
    [InlineData("{\"name\": \"x\", \"command\": [\"true\"], \"resources\": {\"data\": {\"name\": \"\", \"at\": \"z\", \"sizeMiB\": 5}}}", "resources.data.name")]
    [InlineData("{\"name\": \"x\", \"command\": [\"true\"], \"resources\": {\"topology\": {\"required\": \"rack\", \"preferred\": \"zone\"}}}", "resources.topology")]
    public async Task Submit_BadPlacementField_Returns400NamingIt(string body, string field)
    {
        await using var server = await TestServer.StartAsync();
        var team = await server.TenantAsync("team-a");

        var response = await team.PostAsync("/api/v1/jobs", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync(LeptonJsonContext.Default.ApiProblem);
        Assert.Contains(field, problem!.Errors!.Keys);
    }
}
