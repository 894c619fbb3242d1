using Lepton.Server.Model;
using Microsoft.AspNetCore.Http;

namespace Lepton.Server.Auth;

/// <summary>Admits a request under <c>/agent/nodes/{name}</c> only when the caller is that node's own credential (403 otherwise).</summary>
/// <remarks>Runs after <see cref="CallerFilter"/>. A join (agent) token, an admin token or another node's credential may not
/// heartbeat, report or upload logs for a node: only the credential issued when the node registered speaks for it.</remarks>
internal sealed class NodeRouteFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var caller = CallerFilter.Of(http);
        var node = http.Request.RouteValues.TryGetValue("name", out var value) ? value as string : null;
        if (caller.Kind != TokenKind.Node)
        {
            return Results.Problem(statusCode: 403, title: "Forbidden",
                detail: $"only a node's own credential may speak for node '{node}' (a {caller.Kind.ToString().ToLowerInvariant()} token registers nodes but is not one)");
        }

        if (!string.Equals(caller.Node, node, StringComparison.Ordinal))
        {
            return Results.Problem(statusCode: 403, title: "Forbidden", detail: $"this credential belongs to node '{caller.Node}', not '{node}'");
        }

        return await next(context);
    }
}
