using System.Collections.Concurrent;
using System.Net;
using Lepton.Client.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Lepton.Client.Tests;

/// <summary>The SDK's safe retries and paging against a real Kestrel server on loopback that fails the way networks do.</summary>
public sealed class SubmitRetryTests : IDisposable
{
    private readonly WebApplication _app;
    private readonly Uri _server;
    private int _calls;

    public SubmitRetryTests()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        // Call 1: the connection drops (the 201 was lost); call 2: 503; call 3: the job.
        _app.MapPost("/api/v1/jobs", (HttpContext http) =>
        {
            Keys.Enqueue(http.Request.Headers["Idempotency-Key"].ToString());
            switch (Interlocked.Increment(ref _calls))
            {
                case 1:
                    http.Abort();
                    return Results.Empty;
                case 2:
                    return Results.Problem(statusCode: 503, title: "Unavailable", detail: "try again");
                default:
                    return Results.Json(new { id = 42, name = "x", tenant = "t", state = "Pending" }, statusCode: 201);
            }
        });
        _app.MapGet("/api/v1/jobs", (HttpContext http, long? after) =>
        {
            Queries.Enqueue(http.Request.QueryString.Value ?? "");
            // Three pages of two jobs: 1,2 | 3,4 | 5.
            var start = (after ?? 0) + 1;
            var ids = Enumerable.Range((int)start, (int)Math.Min(2, 6 - start)).ToList();
            if (ids[^1] < 5)
            {
                http.Response.Headers.Link = $"</api/v1/jobs?after={ids[^1]}>; rel=\"next\"";
            }

            return Results.Json(ids.Select(i => new { id = i, name = $"j{i}", tenant = "t", state = "Pending" }));
        });
        _app.StartAsync().GetAwaiter().GetResult();
        _server = new Uri(_app.Urls.First());
    }

    private ConcurrentQueue<string> Keys { get; } = new();

    private ConcurrentQueue<string> Queries { get; } = new();

    public void Dispose() => _app.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Fact]
    public async Task SubmitJobAsync_LostAnswerThen503_RetriesWithTheSameKey()
    {
        using var client = new LeptonClient(_server, "secret");
        var job = await client.SubmitJobAsync(new JobSubmission { Name = "x" });
        Assert.Equal(42, job.Id);
        var keys = Keys.ToList();
        Assert.Equal(3, keys.Count);
        Assert.Single(keys.Distinct());
        Assert.True(Guid.TryParse(keys[0], out _));

        // The next submission is another job: another key.
        await client.SubmitJobAsync(new JobSubmission { Name = "y" });
        Assert.Equal(2, Keys.Distinct().Count());
    }

    [Fact]
    public async Task SubmitJobAsync_NoRetriesLeft_ThrowsTheLastError()
    {
        using var client = new LeptonClient(_server, "secret") { SubmitRetries = 1 };
        var error = await Assert.ThrowsAsync<LeptonApiException>(() => client.SubmitJobAsync(new JobSubmission { Name = "x" }, "my-key"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.Status);
        Assert.Equal(["my-key", "my-key"], Keys.ToList());
    }

    [Fact]
    public async Task ListJobsAsync_FollowsEveryPage()
    {
        using var client = new LeptonClient(_server, "secret");
        var jobs = await client.ListJobsAsync();
        Assert.Equal([1, 2, 3, 4, 5], jobs.Select(j => j.Id));
        Assert.Equal(3, Queries.Count);
        Assert.All(Queries, q => Assert.Contains("limit=1000", q, StringComparison.Ordinal));

        var page = await client.ListJobsPageAsync(new JobPageRequest { Limit = 2, After = 2, NewestFirst = true, States = [JobState.Pending, JobState.Running] });
        Assert.Equal([3, 4], page.Jobs.Select(j => j.Id));
        Assert.Equal(4, page.NextAfter);
        Assert.Contains("order=desc", Queries.Last(), StringComparison.Ordinal);
        Assert.Contains("state=Pending,Running", Queries.Last(), StringComparison.Ordinal);
    }
}
