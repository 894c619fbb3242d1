using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Lepton.Client.Tests;

/// <summary>The SDK with several servers: a dead one is skipped, a redirect to a known server keeps the token.</summary>
public sealed class ServerFailoverTests : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Uri _live;
    private readonly Uri _dead = new($"http://127.0.0.1:{FreePort()}/");

    public ServerFailoverTests()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapGet("/api/v1/whoami", (HttpContext http) => Results.Json(new { kind = "admin", id = 1, auth = http.Request.Headers.Authorization.ToString() }));
        _app.MapGet("/redirect/api/v1/whoami", (HttpContext http) => Results.Redirect($"{http.Request.Scheme}://{http.Request.Host}/api/v1/whoami", permanent: false, preserveMethod: true));
        _app.StartAsync().GetAwaiter().GetResult();
        _live = new Uri(_app.Urls.First() + "/");
    }

    [Fact]
    public async Task WhoAmI_FirstServerRefusesConnections_AnswersFromTheNext()
    {
        using var client = new LeptonClient([_dead, _live], "secret");
        var me = await client.WhoAmIAsync();
        Assert.Equal("admin", me.Kind);
    }

    [Fact]
    public async Task Send_TemporaryRedirectToAKnownServer_IsFollowedWithTheToken()
    {
        using var http = new HttpClient(new ServerFailover([new Uri(_live, "redirect/"), _live]));
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_live, "redirect/api/v1/whoami"));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "secret");
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Bearer secret", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://a:8080,http://b:8080", 2)]
    [InlineData("a:8080, b:8081 ,", 2)]
    public void ParseList_CommaSeparated_GivesEveryServer(string text, int count) => Assert.Equal(count, ServerFailover.ParseList(text).Count);

    [Fact]
    public void ParseList_NotAServer_NamesTheEntry() =>
        Assert.Contains("'ftp://x'", Assert.Throws<FormatException>(() => ServerFailover.ParseList("http://a:1,ftp://x")).Message, StringComparison.Ordinal);

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
