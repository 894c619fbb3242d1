using System.Net;
using System.Net.Http.Json;
using Lepton.Client.Contracts;

namespace Lepton.Server.Tests;

public sealed class AuthTests
{
    [Fact]
    public async Task AdminToken_FirstStart_WrittenOwnerOnlyAndKeptAcrossRestart()
    {
        var dir = Path.Combine(Path.GetTempPath(), "lepton-test-" + Guid.NewGuid().ToString("N"));
        string first;
        await using (var server = await TestServer.StartAsync(dir))
        {
            first = server.AdminToken;
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, "admin-token")));
            }

            Assert.Equal(HttpStatusCode.OK, (await server.Admin.GetAsync("/api/v1/tenants")).StatusCode);
        }

        await using (var restarted = await TestServer.StartAsync(dir))
        {
            Assert.Equal(first, restarted.AdminToken);
            Assert.Equal(HttpStatusCode.OK, (await restarted.Admin.GetAsync("/api/v1/tenants")).StatusCode);
        }

        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public async Task Tokens_StoredHashed_SecretNotInDatabaseNorListed()
    {
        var dir = Path.Combine(Path.GetTempPath(), "lepton-test-" + Guid.NewGuid().ToString("N"));
        string secret;
        await using (var server = await TestServer.StartAsync(dir))
        {
            await server.TenantAsync("team-a");
            secret = await server.TokenAsync("tenant", "team-a");
            var listed = await server.Admin.GetFromJsonAsync("/api/v1/tokens", LeptonJsonContext.Default.ListTokenView);
            Assert.All(listed!, t => Assert.Null(t.Token));
        }

        var bytes = await File.ReadAllBytesAsync(Path.Combine(dir, "lepton.db"));
        Assert.DoesNotContain(secret, System.Text.Encoding.ASCII.GetString(bytes), StringComparison.Ordinal);
        Directory.Delete(dir, recursive: true);
    }

    [Theory]
    [InlineData(null, "/api/v1/jobs", "GET", HttpStatusCode.Unauthorized)]
    [InlineData("bogus", "/api/v1/jobs", "GET", HttpStatusCode.Unauthorized)]
    [InlineData("tenant", "/api/v1/tenants", "GET", HttpStatusCode.Forbidden)]
    [InlineData("tenant", "/api/v1/tokens", "POST", HttpStatusCode.Forbidden)]
    [InlineData("tenant", "/api/v1/agent/register", "POST", HttpStatusCode.Forbidden)]
    [InlineData("tenant", "/api/v1/nodes/n1/drain", "POST", HttpStatusCode.Forbidden)]
    [InlineData("agent", "/api/v1/jobs", "GET", HttpStatusCode.Forbidden)]
    [InlineData("agent", "/api/v1/jobs", "POST", HttpStatusCode.Forbidden)]
    [InlineData("agent", "/api/v1/tenants", "POST", HttpStatusCode.Forbidden)]
    [InlineData("admin", "/api/v1/jobs", "POST", HttpStatusCode.Forbidden)]
    public async Task Endpoint_WrongOrMissingToken_IsRefused(string? who, string path, string method, HttpStatusCode expected)
    {
        await using var server = await TestServer.StartAsync();
        await server.TenantAsync("team-a");
        var token = who switch
        {
            null => null,
            "bogus" => "lt_not-a-token",
            "admin" => server.AdminToken,
            "agent" => await server.TokenAsync("agent"),
            _ => await server.TokenAsync("tenant", "team-a"),
        };
        using var client = server.Client(token);
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = method == "POST" ? JsonContent.Create(new { }) : null };
        var response = await client.SendAsync(request);
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task TokenCreate_UnknownTenant_Returns404_AndBadKind400()
    {
        await using var server = await TestServer.StartAsync();
        var missing = await server.Admin.PostAsJsonAsync("/api/v1/tokens", new TokenCreate { Kind = "tenant", Tenant = "nobody" }, LeptonJsonContext.Default.TokenCreate);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        var bad = await server.Admin.PostAsJsonAsync("/api/v1/tokens", new TokenCreate { Kind = "root" }, LeptonJsonContext.Default.TokenCreate);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Theory]
    [InlineData("Team A")]
    [InlineData("")]
    [InlineData("-x")]
    public async Task TenantCreate_BadName_Returns400(string name)
    {
        await using var server = await TestServer.StartAsync();
        var response = await server.Admin.PostAsJsonAsync("/api/v1/tenants", new TenantCreate { Name = name }, LeptonJsonContext.Default.TenantCreate);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task TenantCreate_Duplicate_Returns409()
    {
        await using var server = await TestServer.StartAsync();
        await server.TenantAsync("team-a");
        var again = await server.Admin.PostAsJsonAsync("/api/v1/tenants", new TenantCreate { Name = "team-a" }, LeptonJsonContext.Default.TenantCreate);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }
}
