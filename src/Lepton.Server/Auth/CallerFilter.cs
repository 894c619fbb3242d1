using Lepton.Server.Model;
using Microsoft.AspNetCore.Http;

namespace Lepton.Server.Auth;

/// <summary>Authenticates <c>Authorization: Bearer &lt;token&gt;</c> and admits only the given token kinds (401 / 403 otherwise).</summary>
internal sealed class CallerFilter(ControlPlane plane, TokenKind[] kinds) : IEndpointFilter
{
    private const string ItemKey = "lepton.caller";

    /// <summary>The authenticated caller of a request that passed the filter.</summary>
    /// <remarks>The lookup happens on every request (no cache), so a revoked token is refused from the next request on.</remarks>
    public static Caller Of(HttpContext context) => (Caller)context.Items[ItemKey]!;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var header = http.Request.Headers.Authorization.ToString();
        const string prefix = "Bearer ";
        if (!header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) || header.Length == prefix.Length)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
            return Results.Problem(statusCode: 401, title: "Unauthorized", detail: "send 'Authorization: Bearer <token>'");
        }

        var token = plane.Authenticate(header[prefix.Length..].Trim());
        if (token is null)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
            return Results.Problem(statusCode: 401, title: "Unauthorized", detail: "unknown token");
        }

        if (Array.IndexOf(kinds, token.Kind) < 0)
        {
            return Results.Problem(statusCode: 403, title: "Forbidden",
                detail: $"a {token.Kind.ToString().ToLowerInvariant()} token may not call this endpoint");
        }

        http.Items[ItemKey] = new Caller(token.Kind, token.Tenant, token.Id, token.Node);
        return await next(context);
    }
}
