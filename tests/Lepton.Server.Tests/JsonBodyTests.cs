using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Lepton.Server.Tests;

/// <summary>How the API treats the Content-Type of a JSON body: none means JSON; another type is a 415.</summary>
public sealed class JsonBodyTests
{
    private const string Tenant = """{"name": "vision"}""";

    [Theory]
    [InlineData(null, HttpStatusCode.Created)]
    [InlineData("application/json", HttpStatusCode.Created)]
    [InlineData("application/json; charset=utf-8", HttpStatusCode.Created)]
    [InlineData("text/plain", HttpStatusCode.UnsupportedMediaType)]
    public async Task Post_ContentType_JsonOrNoneAccepted(string? contentType, HttpStatusCode expected)
    {
        await using var server = await TestServer.StartAsync();
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(Tenant));
        if (contentType is not null)
        {
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        var response = await server.Admin.PostAsync("/api/v1/tenants", content);

        Assert.True(expected == response.StatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }
}
