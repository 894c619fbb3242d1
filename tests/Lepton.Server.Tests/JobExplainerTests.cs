using System.Net.Http.Json;
using Lepton.Client;
using Lepton.Client.Insights;

namespace Lepton.Server.Tests;

/// <summary><c>GET /api/v1/jobs/{id}/explain</c>: one set of numbers, in the user's units, whole sentences, current node states.</summary>
public sealed class JobExplainerTests
{
    [Fact]
    public async Task Explain_NoRoom_SummaryAndTableAgreeInCoresAndGpusWithCurrentStates()
    {
        await using var server = await TestServer.StartAsync();
        var agent = await server.AgentAsync();
        await server.RegisterAsync(agent, "big", cpuMilli: 8000, gpus: 4);
        await server.RegisterAsync(agent, "mid", cpuMilli: 8000, gpus: 2);
        await server.RegisterAsync(agent, "cpu", cpuMilli: 4000);
        (await server.Admin.PostAsync("/api/v1/nodes/big/drain", null)).EnsureSuccessStatusCode();
        var team = await server.TenantAsync("team-a");
        var job = await TestServer.SubmitAsync(team, TestServer.Job(cpuMilli: 8000, gpu: 4));
        await TestServer.WaitAsync(team, job.Id, j => j.Reason is not null);

        var x = (await team.GetFromJsonAsync<JobExplanation>($"/api/v1/jobs/{job.Id}/explain", LeptonJson.Options))!;

        // Each constraint's sentence is in the summary word for word: the numbers have one source.
        Assert.NotEmpty(x.Constraints);
        Assert.All(x.Constraints, c => Assert.Contains(c.Message, x.Summary, StringComparison.Ordinal));
        Assert.Contains(x.Constraints, c => c.Constraint == "gpu" && c.Message == "only 1 of 3 nodes has 4 GPUs free");
        Assert.Contains(x.Constraints, c => c.Constraint == "node-state" && c.Message.Contains("big is Draining", StringComparison.Ordinal));
        Assert.All(x.Constraints, c => Assert.Equal(c.NodesConsidered - c.NodesRuledOut,
            c.Message.StartsWith("none", StringComparison.Ordinal) ? 0 : int.Parse(c.Message.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture)));
        Assert.DoesNotContain("8000m", x.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain("MiB", x.Summary, StringComparison.Ordinal);
        Assert.EndsWith(".", x.Summary, StringComparison.Ordinal);
        Assert.All(x.WouldRunIf, w => Assert.DoesNotContain("8000m", w, StringComparison.Ordinal));
    }
}
