using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Lepton.Server.Hosting.Leadership;

/// <summary>On a follower, passes every write request (<c>/api/...</c> with a method other than GET/HEAD/OPTIONS), and reads of
/// job logs (kept on the leader's disk), on to the
/// leader and streams its answer back, so clients and agents may talk to any server.</summary>
/// <remarks>
/// Forwarding rather than redirecting: .NET's and most HTTP clients drop the Authorization header on a redirect, and
/// agents should not need to know who leads. A request that already was forwarded once is never forwarded again (two
/// servers that each believe the other leads answer 503 instead of passing it back and forth). With no known leader
/// (an election is under way) the answer is 503 with <c>Retry-After: 1</c>; clients retry it.
/// </remarks>
internal sealed class LeaderForwarder(LeaderElection election)
{
    /// <summary>Marks a forwarded request (value: the forwarding server's holder name).</summary>
    public const string ForwardedHeader = "X-Lepton-Forwarded-By";

    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Proxy-Connection", "TE", "Trailer", "Host", "Content-Length",
    };

    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        ConnectTimeout = TimeSpan.FromSeconds(2),
        UseCookies = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(1),
    })
    { Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>Adds the forwarding step to <paramref name="app"/> (before routing and body handling).</summary>
    public void Use(IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var request = context.Request;
        var logRead = IsLogRead(request);
        if (!request.Path.StartsWithSegments("/api", StringComparison.Ordinal) || election.IsLeader
            || (!logRead && (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method))))
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        var leader = election.LeaderUrl;
        if (logRead && (leader is null || election.RowIsMine || request.Headers.ContainsKey(ForwardedHeader)))
        {
            // No leader to ask: show what this server holds rather than nothing.
            await next(context).ConfigureAwait(false);
            return;
        }

        if (leader is null || election.RowIsMine || request.Headers.ContainsKey(ForwardedHeader))
        {
            await UnavailableAsync(context, "no leader is known right now (an election is under way)").ConfigureAwait(false);
            return;
        }

        await ForwardAsync(context, leader).ConfigureAwait(false);
    });

    /// <summary>A read of a job's logs: they are kept on the disk of the server that received them (the leader, since
    /// agents' appends are writes), so a follower forwards the read instead of answering from its empty log folder.</summary>
    private static bool IsLogRead(HttpRequest request)
    {
        if (!HttpMethods.IsGet(request.Method) || request.Path.Value is not { } path || !path.StartsWith("/api/v1/jobs/", StringComparison.Ordinal)
            || !path.EndsWith("/logs", StringComparison.Ordinal))
        {
            return false;
        }

        var id = path.AsSpan("/api/v1/jobs/".Length, path.Length - "/api/v1/jobs/".Length - "/logs".Length);
        return id.Length is > 0 and <= 19 && !id.ContainsAnyExceptInRange('0', '9');
    }

    private async Task ForwardAsync(HttpContext context, string leader)
    {
        var request = context.Request;
        var target = new Uri(new Uri(leader.TrimEnd('/') + "/"), request.Path.Value!.TrimStart('/') + request.QueryString.Value);
        using var outgoing = new HttpRequestMessage(new HttpMethod(request.Method), target);
        if (request.ContentLength is > 0 || request.Headers.ContainsKey("Transfer-Encoding"))
        {
            outgoing.Content = new StreamContent(request.Body);
        }

        foreach (var header in request.Headers)
        {
            if (HopByHop.Contains(header.Key))
            {
                continue;
            }

            if (!outgoing.Headers.TryAddWithoutValidation(header.Key, (IEnumerable<string>)header.Value))
            {
                outgoing.Content?.Headers.TryAddWithoutValidation(header.Key, (IEnumerable<string>)header.Value);
            }
        }

        outgoing.Headers.TryAddWithoutValidation(ForwardedHeader, election.Holder);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(outgoing, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !context.RequestAborted.IsCancellationRequested)
        {
            await UnavailableAsync(context, $"the leader at {leader} does not answer ({e.Message})").ConfigureAwait(false);
            return;
        }

        using (response)
        {
            context.Response.StatusCode = (int)response.StatusCode;
            foreach (var header in response.Headers.Concat(response.Content.Headers))
            {
                if (!HopByHop.Contains(header.Key))
                {
                    context.Response.Headers[header.Key] = header.Value.ToArray();
                }
            }

            await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
        }
    }

    private static async Task UnavailableAsync(HttpContext context, string why)
    {
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = "1";
        context.Response.ContentType = "application/problem+json";
        var detail = System.Text.Json.JsonEncodedText.Encode($"this server is a follower and {why}; retry in a moment").ToString();
        await context.Response.WriteAsync($"{{\"type\":\"about:blank\",\"title\":\"Unavailable\",\"status\":503,\"detail\":\"{detail}\"}}").ConfigureAwait(false);
    }
}
