using System.Net;
using System.Net.Http.Json;
using System.Text;
using Lepton.Client.Contracts;

namespace Lepton.Server.Tests;

/// <summary><c>Idempotency-Key</c> on job submission, paging of <c>GET /api/v1/jobs</c>, the summary, and per-field limits.</summary>
public sealed class JobPagingAndIdempotencyTests
{
    private static async Task<HttpResponseMessage> SubmitWithKeyAsync(HttpClient tenant, JobSubmission job, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/jobs") { Content = JsonContent.Create(job, LeptonJsonContext.Default.JobSubmission) };
        request.Headers.Add("Idempotency-Key", key);
        return await tenant.SendAsync(request);
    }

    private static async Task<JobView> ReadJobAsync(HttpResponseMessage response)
    {
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync(LeptonJsonContext.Default.JobView))!;
    }

    private static async Task<JobSummary> SummaryAsync(HttpClient client) =>
        (await client.GetFromJsonAsync("/api/v1/jobs/summary", LeptonJsonContext.Default.JobSummary))!;

    [Fact]
    public async Task Submit_SameKeyTwiceAndConcurrently_CreatesOneJob()
    {
        await using var server = await TestServer.StartAsync();
        var team = await server.TenantAsync("team-a");
        var first = await SubmitWithKeyAsync(team, TestServer.Job("once"), "key-1");
        var job = await ReadJobAsync(first);
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));

        var again = await SubmitWithKeyAsync(team, TestServer.Job("once"), "key-1");
        Assert.Equal(job.Id, (await ReadJobAsync(again)).Id);
        Assert.Equal("true", again.Headers.GetValues("Idempotent-Replayed").Single());

        // Twenty retries racing each other still find the one job.
        var racing = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => SubmitWithKeyAsync(team, TestServer.Job("raced"), "key-2")));
        var ids = new HashSet<long>();
        foreach (var response in racing)
        {
            ids.Add((await ReadJobAsync(response)).Id);
        }

        Assert.Single(ids);
        Assert.Equal(2, (await SummaryAsync(team)).Total);
    }

    [Fact]
    public async Task Submit_SameKeyAfterRestart_ReturnsTheFirstJob()
    {
        var dir = Path.Combine(Path.GetTempPath(), "lepton-test-" + Guid.NewGuid().ToString("N"));
        string secret;
        long id;
        await using (var server = await TestServer.StartAsync(dir))
        {
            await server.TenantAsync("team-a");
            secret = await server.TokenAsync("tenant", "team-a");
            using var team = server.Client(secret);
            id = (await ReadJobAsync(await SubmitWithKeyAsync(team, TestServer.Job("durable"), "lost-201"))).Id;
        }

        await using (var restarted = await TestServer.StartAsync(dir))
        {
            using var team = restarted.Client(secret);
            var retried = await SubmitWithKeyAsync(team, TestServer.Job("durable"), "lost-201");
            Assert.Equal(id, (await ReadJobAsync(retried)).Id);
            Assert.Equal(1, (await SummaryAsync(team)).Total);
            // A new key after the restart is a new job with a new id.
            Assert.NotEqual(id, (await ReadJobAsync(await SubmitWithKeyAsync(team, TestServer.Job("durable"), "new-key"))).Id);
        }

        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public async Task Sdk_SubmitWithKeyTwice_OneJob_ListJobsFollowsPages()
    {
        await using var server = await TestServer.StartAsync();
        await server.TenantAsync("team-a");
        using var sdk = new Lepton.Client.LeptonClient(server.BaseAddress, await server.TokenAsync("tenant", "team-a"));
        var first = await sdk.SubmitJobAsync(TestServer.Job("sdk"), "sdk-key");
        var again = await sdk.SubmitJobAsync(TestServer.Job("sdk"), "sdk-key");
        Assert.Equal(first.Id, again.Id);
        var reused = await Assert.ThrowsAsync<Lepton.Client.LeptonApiException>(() => sdk.SubmitJobAsync(TestServer.Job("other"), "sdk-key"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, reused.Status);

        for (var batch = 0; batch < 3; batch++)
        {
            await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => sdk.SubmitJobAsync(TestServer.Job())));
        }

        var all = await sdk.ListJobsAsync();
        Assert.Equal(121, all.Count);
        Assert.Equal(all.Select(j => j.Id).Order(), all.Select(j => j.Id));
        var newest = await sdk.ListJobsPageAsync(new Lepton.Client.JobPageRequest { Limit = 50, NewestFirst = true });
        Assert.Equal(all.Select(j => j.Id).Reverse().Take(50), newest.Jobs.Select(j => j.Id));
        Assert.Equal(newest.Jobs[^1].Id, newest.NextAfter);
        Assert.Equal(121, (await sdk.GetJobSummaryAsync()).Total);
    }

    [Fact]
    public async Task Submit_SameKeyFromAnotherTenant_IsIndependent()
    {
        await using var server = await TestServer.StartAsync();
        var a = await server.TenantAsync("team-a");
        var b = await server.TenantAsync("team-b");
        var jobA = await ReadJobAsync(await SubmitWithKeyAsync(a, TestServer.Job(), "shared"));
        var jobB = await ReadJobAsync(await SubmitWithKeyAsync(b, TestServer.Job(), "shared"));
        Assert.NotEqual(jobA.Id, jobB.Id);
        Assert.Equal("team-b", jobB.Tenant);
    }

    [Fact]
    public async Task Submit_SameKeyDifferentRequest_Returns422NamingTheKey()
    {
        await using var server = await TestServer.StartAsync();
        var team = await server.TenantAsync("team-a");
        await ReadJobAsync(await SubmitWithKeyAsync(team, TestServer.Job("a"), "k"));
        var reused = await SubmitWithKeyAsync(team, TestServer.Job("b"), "k");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, reused.StatusCode);
        var problem = await reused.Content.ReadFromJsonAsync(LeptonJsonContext.Default.ApiProblem);
        Assert.Contains("Idempotency-Key", problem!.Errors!.Keys);
        Assert.Equal(1, (await SummaryAsync(team)).Total);
    }

    [Theory]
    [InlineData(" ", 1, 1)]
    [InlineData("x", 256, 1)]
    [InlineData("twice", 1, 2)]
    public async Task Submit_BadKey_Returns400(string key, int repeat, int headers)
    {
        await using var server = await TestServer.StartAsync();
        var team = await server.TenantAsync("team-a");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/jobs") { Content = JsonContent.Create(TestServer.Job(), LeptonJsonContext.Default.JobSubmission) };
        for (var i = 0; i < headers; i++)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", string.Concat(Enumerable.Repeat(key, repeat)) + (i > 0 ? i.ToString(System.Globalization.CultureInfo.InvariantCulture) : ""));
        }

        var response = await team.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(0, (await SummaryAsync(team)).Total);
    }

    [Fact]
    public async Task List_Paged_ReturnsEveryJobExactlyOnce_InBothOrders_WhileJobsArrive()
    {
        await using var server = await TestServer.StartAsync();
        var a = await server.TenantAsync("team-a");
        var b = await server.TenantAsync("team-b");
        var submitted = new List<JobView>();
        for (var batch = 0; batch < 10; batch++)
        {
            submitted.AddRange(await Task.WhenAll(Enumerable.Range(0, 25).Select(i => TestServer.SubmitAsync(i % 3 == 0 ? b : a, TestServer.Job($"j{batch}-{i}")))));
        }

        foreach (var order in new[] { "asc", "desc" })
        {
            var expected = submitted.Select(j => j.Id).Order().ToList();
            var seen = new List<long>();
            string? next = $"/api/v1/jobs?limit=37&order={order}";
            while (next is not null)
            {
                var response = await server.Admin.GetAsync(next);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                var page = (await response.Content.ReadFromJsonAsync(LeptonJsonContext.Default.ListJobView))!;
                Assert.InRange(page.Count, 1, 37);
                seen.AddRange(page.Select(j => j.Id));
                next = response.Headers.TryGetValues("Link", out var links)
                    ? links.Single().Split(';')[0].Trim('<', '>', ' ')
                    : null;
                // New jobs arriving mid-walk land after every cursor of an ascending walk and before a descending one.
                submitted.Add(await TestServer.SubmitAsync(a, TestServer.Job("late")));
            }

            Assert.Equal(seen.Count, seen.Distinct().Count());
            if (order == "desc")
            {
                expected.Reverse();
                Assert.Equal(expected, seen);
            }
            else
            {
                Assert.Equal(expected, seen.Take(expected.Count));
                Assert.True(seen.Skip(expected.Count).All(id => id > expected[^1]));
            }
        }

        // A tenant pages through its own jobs only.
        var own = await b.GetFromJsonAsync("/api/v1/jobs?limit=1000&state=pending,Scheduled", LeptonJsonContext.Default.ListJobView);
        Assert.Equal(submitted.Count(j => j.Tenant == "team-b"), own!.Count);
        Assert.All(own, j => Assert.Equal("team-b", j.Tenant));
        var summary = await SummaryAsync(b);
        Assert.Equal(own.Count, summary.Total);
        Assert.Equal(summary.Total, summary.Pending + summary.Scheduled + summary.Running + summary.Succeeded + summary.Failed + summary.Cancelled);
    }

    [Fact]
    public async Task List_NoLimit_ReturnsTheDefaultPageWithANextLink()
    {
        await using var server = await TestServer.StartAsync();
        var team = await server.TenantAsync("team-a");
        for (var batch = 0; batch < 5; batch++)
        {
            await Task.WhenAll(Enumerable.Range(0, 25).Select(i => TestServer.SubmitAsync(team, TestServer.Job())));
        }

        var response = await team.GetAsync("/api/v1/jobs");
        var page = (await response.Content.ReadFromJsonAsync(LeptonJsonContext.Default.ListJobView))!;
        Assert.Equal(100, page.Count);
        Assert.Contains($"after={page[^1].Id}", response.Headers.GetValues("Link").Single(), StringComparison.Ordinal);
        Assert.Equal(125, (await SummaryAsync(team)).Total);
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=1001", "limit")]
    [InlineData("order=sideways", "order")]
    [InlineData("after=-1", "after")]
    [InlineData("state=Pending,Lost", "state")]
    [InlineData("state=3", "state")]
    public async Task List_BadQuery_Returns400NamingIt(string query, string field)
    {
        await using var server = await TestServer.StartAsync();
        var team = await server.TenantAsync("team-a");
        var response = await team.GetAsync("/api/v1/jobs?" + query);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync(LeptonJsonContext.Default.ApiProblem);
        Assert.Contains(field, problem!.Errors!.Keys);
    }

    public static TheoryData<string, string> OversizedSpecs() => new()
    {
        { Spec(name: new string('n', 129)), "name" },
        { Spec(command: [new string('c', 32 * 1024 + 1)]), "command[0]" },
        { Spec(command: [.. Enumerable.Repeat(new string('c', 30_000), 5)]), "command" },
        { Spec(command: [.. Enumerable.Repeat("a", 1001)]), "command" },
        { Spec(command: ["a\0b"]), "command[0]" },
        { Spec(env: new() { [new string('K', 257)] = "v" }), "env." + new string('K', 64) + "…" },
        { Spec(env: new() { ["BIG"] = new string('v', 32 * 1024 + 1) }), "env.BIG" },
        { Spec(env: Enumerable.Range(0, 5).ToDictionary(i => $"V{i}", _ => new string('v', 30_000))), "env" },
        { Spec(env: Enumerable.Range(0, 1001).ToDictionary(i => $"V{i}", _ => "v")), "env" },
        { Spec(env: new() { ["NUL"] = "a\0b" }), "env.NUL" },
        { Spec(models: [.. Enumerable.Repeat("A100", 65)]), "resources.gpuModels" },
    };

    [Theory]
    [MemberData(nameof(OversizedSpecs))]
    public async Task Submit_FieldOverItsLimit_Returns400NamingTheField(string body, string field)
    {
        await using var server = await TestServer.StartAsync();
        var team = await server.TenantAsync("team-a");
        var response = await team.PostAsync("/api/v1/jobs", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync(LeptonJsonContext.Default.ApiProblem);
        Assert.Contains(field, problem!.Errors!.Keys);
        Assert.Equal(0, (await SummaryAsync(team)).Total);
    }

    [Fact]
    public async Task Submit_BodyOverOneMebibyte_Returns413()
    {
        await using var server = await TestServer.StartAsync();
        var team = await server.TenantAsync("team-a");
        var body = Spec(env: new() { ["PAD"] = new string('v', 2 * 1024 * 1024) });
        // Expect: 100-continue lets the server refuse before the upload: without it the 413 can race the 2 MiB body and the
        // client sees its connection reset instead of the answer (a transport artefact this test is not about).
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/jobs") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.ExpectContinue = true;
        using var response = await team.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(0, (await SummaryAsync(team)).Total);
    }

    private static string Spec(string name = "x", List<string>? command = null, Dictionary<string, string>? env = null, List<string>? models = null) =>
        System.Text.Json.JsonSerializer.Serialize(new JobSubmission
        {
            Name = name,
            Command = command ?? ["true"],
            Env = env ?? new Dictionary<string, string>(),
            Resources = new JobResources { CpuMilli = 100, MemoryMiB = 64, GpuModels = models },
        }, LeptonJsonContext.Default.JobSubmission);
}
