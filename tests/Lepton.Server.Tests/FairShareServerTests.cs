using System.Net;
using System.Net.Http.Json;
using Lepton.Client;
using Lepton.Client.Contracts;
using Lepton.Client.Insights;

namespace Lepton.Server.Tests;

/// <summary><c>lepton serve --fair-share</c> through the API: tenants' terms are validated and stored, idle GPUs are lent,
/// the owner reclaims them, and explain and the tenant list say so.</summary>
public sealed class FairShareServerTests
{
    private static ResourceAmounts Gpus(int n) => new() { GpuMilli = n * 1000L };

    [Theory]
    [InlineData("""{"guarantee":{"gpuMilli":-1}}""", "guarantee")]
    [InlineData("""{"borrowingLimit":{"cpuMilli":-5}}""", "borrowingLimit")]
    [InlineData("""{"fairShareWeight":0}""", "fairShareWeight")]
    [InlineData("""{"fairShareWeight":1e9}""", "fairShareWeight")]
    public async Task PutShare_BadField_Returns400NamingIt(string body, string field)
    {
        await using var server = await TestServer.StartAsync();
        await server.TenantAsync("team-a");
        var response = await server.Admin.PutAsync("/api/v1/tenants/team-a/share", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync(LeptonJsonContext.Default.ApiProblem);
        Assert.Contains(field, problem!.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PutShare_UnknownTenant_Returns404()
    {
        await using var server = await TestServer.StartAsync();
        var response = await server.Admin.PutAsJsonAsync("/api/v1/tenants/nobody/share", new TenantShareUpdate { Guarantee = Gpus(1) }, LeptonJsonContext.Default.TenantShareUpdate);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Submit_FairShare_AcceptsUpToGuaranteePlusBorrowingLimit_Rejects422NamingTheLimitBeyond()
    {
        await using var server = await TestServer.StartAsync(configure: o => o with { FairShare = true });
        // A hard quota of 1 GPU, which fair share reads as the guarantee; no borrowing limit: any size may borrow.
        var open = await server.TenantAsync("team-open", Gpus(1));
        await TestServer.SubmitAsync(open, TestServer.Job("big", gpu: 4));

        var capped = await server.TenantAsync("team-capped", Gpus(1));
        var set = await server.Admin.PutAsJsonAsync("/api/v1/tenants/team-capped/share",
            new TenantShareUpdate { Guarantee = Gpus(1), BorrowingLimit = Gpus(2) }, LeptonJsonContext.Default.TenantShareUpdate);
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        await TestServer.SubmitAsync(capped, TestServer.Job("fits", gpu: 3));

        var response = await capped.PostAsJsonAsync("/api/v1/jobs", TestServer.Job("never", gpu: 4), LeptonJsonContext.Default.JobSubmission);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problem = (await response.Content.ReadFromJsonAsync(LeptonJsonContext.Default.ApiProblem))!;
        Assert.Contains("borrowing limit", problem.Detail, StringComparison.Ordinal);
        Assert.Contains("team-capped", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FairShare_IdleGpusLent_OwnerReclaims_ExplainAndListSaySo_SurvivesRestart()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "lepton-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using (var server = await TestServer.StartAsync(dataDir, configure: o => o with { FairShare = true }))
            {
                await server.RegisterAsync(await server.AgentAsync(), "n1", gpus: 4);
                var a = await server.TenantAsync("team-a");
                var b = await server.TenantAsync("team-b");
                foreach (var (name, guarantee) in new[] { ("team-a", 2), ("team-b", 2) })
                {
                    var set = await server.Admin.PutAsJsonAsync($"/api/v1/tenants/{name}/share",
                        new TenantShareUpdate { Guarantee = Gpus(guarantee), BorrowingLimit = Gpus(2) }, LeptonJsonContext.Default.TenantShareUpdate);
                    Assert.Equal(HttpStatusCode.OK, set.StatusCode);
                }

                // team-a borrows team-b's idle half of the node.
                var borrowed = new List<JobView>();
                for (var i = 0; i < 4; i++)
                {
                    var job = await TestServer.SubmitAsync(a, TestServer.Job($"a-{i}", gpu: 1, priority: 3, preemptible: true));
                    borrowed.Add(await TestServer.WaitAsync(a, job.Id, j => j.State == JobState.Scheduled));
                }

                var tenants = (await server.Admin.GetFromJsonAsync("/api/v1/tenants", LeptonJsonContext.Default.ListTenantView))!;
                var teamA = tenants.Single(t => t.Name == "team-a");
                Assert.Equal(2000, teamA.Borrowed.GpuMilli);
                Assert.Equal(1.0, teamA.DominantShare, 3);

                // team-b wants its guarantee back: one of team-a's borrowed jobs is reclaimed.
                var mine = await TestServer.SubmitAsync(b, TestServer.Job("b-0", gpu: 1, priority: 1));
                await TestServer.WaitAsync(b, mine.Id, j => j.State == JobState.Scheduled);
                var after = await Task.WhenAll(borrowed.Select(j => TestServer.GetAsync(a, j.Id)));
                var evicted = Assert.Single(after, j => j.State == JobState.Pending);
                Assert.Contains("reclaimed", evicted.Events.Last(e => e.Type == "Preempted").Message, StringComparison.Ordinal);

                // The evicted job would borrow again: it waits for fairness, and explain names the borrowing rule.
                var waiting = await TestServer.WaitAsync(a, evicted.Id, j => j.Reason?.Code is "FairShare" or "BorrowingLimit");
                var x = (await a.GetFromJsonAsync<JobExplanation>($"/api/v1/jobs/{waiting.Id}/explain", LeptonJson.Options))!;
                Assert.Contains(x.WouldRunIf, w => w.Contains("fair share", StringComparison.Ordinal) || w.Contains("borrowing limit", StringComparison.Ordinal));
            }

            await using (var restarted = await TestServer.StartAsync(dataDir, configure: o => o with { FairShare = true }))
            {
                var tenants = (await restarted.Admin.GetFromJsonAsync("/api/v1/tenants", LeptonJsonContext.Default.ListTenantView))!;
                Assert.All(tenants, t => Assert.Equal(2000, t.Guarantee!.GpuMilli));
                Assert.All(tenants, t => Assert.Equal(2000, t.BorrowingLimit!.GpuMilli));
            }
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }
}
