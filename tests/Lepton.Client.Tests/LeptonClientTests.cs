using System.Net;
using System.Text;
using Lepton.Client.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Lepton.Client.Tests;

/// <summary>The client against a real Kestrel server on loopback that answers the way ASP.NET Core does.</summary>
public sealed class LeptonClientTests : IAsyncLifetime
{
    private WebApplication _app = null!;
    private Uri _server = null!;

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapPost("/api/v1/jobs", (HttpContext http) =>
            http.Request.Headers.Authorization != "Bearer secret"
                ? Results.Problem(statusCode: 401, title: "Unauthorized", detail: "The bearer token is unknown.")
                : Results.ValidationProblem(
                    new Dictionary<string, string[]> { ["resources.cpuMilli"] = ["must not be negative"] },
                    title: "Invalid job"));
        _app.MapGet("/api/v1/jobs/{id:long}", (long id) =>
            id == 7
                ? Results.Json(new { id = 7, name = "hello", tenant = "team-a", state = "Running", priority = 5, replicas = 1, resources = new { cpuMilli = 500 }, futureField = "ignored" })
                : Results.Problem(statusCode: 404, title: "Not found", detail: $"job {id} not found"));
        _app.MapGet("/api/v1/nodes", () => Results.Text("<html>proxy error</html>", "text/html", Encoding.UTF8, 502));
        _app.MapGet("/api/v1/jobs/{id:long}/logs", async (HttpContext http) =>
        {
            http.Response.ContentType = "text/plain; charset=utf-8";
            await http.Response.WriteAsync("line 1\n");
            await http.Response.Body.FlushAsync();
            await http.Response.WriteAsync("line 2\n");
        });
        _app.MapGet("/healthz", () => Results.Text("ok"));
        await _app.StartAsync();
        _server = new Uri(_app.Urls.First());
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task SubmitJobAsync_ValidationProblem_CarriesStatusTitleAndFieldErrors()
    {
        using var client = new LeptonClient(_server, "secret");

        var error = await Assert.ThrowsAsync<LeptonApiException>(() => client.SubmitJobAsync(new JobSubmission { Name = "x" }));

        Assert.Equal(HttpStatusCode.BadRequest, error.Status);
        Assert.Equal("Invalid job", error.Title);
        Assert.Equal(["must not be negative"], error.Errors["resources.cpuMilli"]);
        Assert.Contains("resources.cpuMilli: must not be negative", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SubmitJobAsync_WrongToken_UsesServerDetail()
    {
        using var client = new LeptonClient(_server, "wrong");

        var error = await Assert.ThrowsAsync<LeptonApiException>(() => client.SubmitJobAsync(new JobSubmission { Name = "x" }));

        Assert.Equal(HttpStatusCode.Unauthorized, error.Status);
        Assert.Equal("The bearer token is unknown.", error.Message);
    }

    [Fact]
    public async Task GetJobAsync_Found_ReadsJobAndIgnoresUnknownFields()
    {
        using var client = new LeptonClient(_server, "secret");

        var job = await client.GetJobAsync(7);

        Assert.Equal(7, job.Id);
        Assert.Equal(JobState.Running, job.State);
        Assert.Equal(500, job.Resources.CpuMilli);
    }

    [Fact]
    public async Task GetJobAsync_Missing_NotFoundWithDetail()
    {
        using var client = new LeptonClient(_server, "secret");

        var error = await Assert.ThrowsAsync<LeptonApiException>(() => client.GetJobAsync(99));

        Assert.Equal(HttpStatusCode.NotFound, error.Status);
        Assert.Equal("job 99 not found", error.Detail);
    }

    [Fact]
    public async Task ListNodesAsync_NonProblemErrorBody_StillThrowsWithStatus()
    {
        using var client = new LeptonClient(_server, "secret");

        var error = await Assert.ThrowsAsync<LeptonApiException>(() => client.ListNodesAsync());

        Assert.Equal(HttpStatusCode.BadGateway, error.Status);
    }

    [Fact]
    public async Task GetLogsAsync_Streamed_YieldsAllText()
    {
        using var client = new LeptonClient(_server, "secret");
        var text = new StringBuilder();

        await foreach (var chunk in client.GetLogsAsync(7))
        {
            text.Append(chunk);
        }

        Assert.Equal("line 1\nline 2\n", text.ToString());
    }

    [Fact]
    public async Task GetHealthAsync_ServerUp_ReturnsBody()
    {
        using var client = new LeptonClient(new Uri(_server.AbsoluteUri.TrimEnd('/')), "secret");

        Assert.Equal("ok", await client.GetHealthAsync());
    }

    [Fact]
    public async Task GetJobAsync_Cancelled_Throws()
    {
        using var client = new LeptonClient(_server, "secret");
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetJobAsync(7, cancelled.Token));
    }

    [Theory]
    [InlineData("ftp://example.org")]
    [InlineData("relative/path")]
    public void Constructor_NotHttp_Refused(string server) =>
        Assert.Throws<ArgumentException>(() => new LeptonClient(new Uri(server, UriKind.RelativeOrAbsolute), "t"));
}
