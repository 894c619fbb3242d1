using System.Net;

namespace Lepton.Client;

/// <summary>Sends requests to one of several Lepton servers (a leader and its followers on a shared store) and moves on to
/// the next when one does not answer.</summary>
/// <remarks>
/// <para>Requests are addressed to the first server; this handler rewrites them to the server in use. When connecting to it
/// fails (refused, unreachable, connect timeout) the request was never sent, so it goes to the next server at once, until
/// every server was tried. When a server accepted the request but gave no answer (its process died or froze after
/// receiving it) the request may have been carried out: the error is passed on — callers that retry use idempotency keys —
/// and the next request starts with the next server.</para>
/// <para>A <c>307</c>/<c>308</c> that points at one of the known servers is followed with the same method, body and
/// Authorization header (HttpClient's own redirect handling drops the header); a redirect elsewhere is returned as is,
/// so a token is never sent to a host the user did not name.</para>
/// </remarks>
public sealed class ServerFailover : DelegatingHandler
{
    private readonly Uri[] _servers;
    private int _current;

    /// <param name="servers">The servers' base addresses, first preferred.</param>
    /// <param name="inner">The handler that does the I/O; null for a <see cref="SocketsHttpHandler"/> with a 3 s connect timeout.</param>
    public ServerFailover(IReadOnlyList<Uri> servers, HttpMessageHandler? inner = null)
        : base(inner ?? new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(3), AllowAutoRedirect = false })
    {
        ArgumentNullException.ThrowIfNull(servers);
        if (servers.Count == 0)
        {
            throw new ArgumentException("at least one server is needed", nameof(servers));
        }

        _servers = [.. servers.Select(WithSlash)];
    }

    /// <summary>The server requests go to now.</summary>
    public Uri Current => _servers[Volatile.Read(ref _current) % _servers.Length];

    /// <summary>Parses a comma-separated list of server URLs (<c>http://a:8080,http://b:8080</c>); a URL without a scheme gets
    /// <c>http://</c>. Throws <see cref="FormatException"/> naming the entry that is not an http(s) URL.</summary>
    public static IReadOnlyList<Uri> ParseList(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var servers = new List<Uri>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var candidate = part.Contains("://", StringComparison.Ordinal) ? part : "http://" + part;
            if (!Uri.TryCreate(candidate, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                throw new FormatException($"'{part}' is not a server address such as http://127.0.0.1:8080");
            }

            servers.Add(WithSlash(uri));
        }

        return servers.Count > 0 ? servers : throw new FormatException($"'{text}' names no server");
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var relative = Relative(request.RequestUri);
        if (relative is null)
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        var body = request.Content is null ? null : await request.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var contentHeaders = request.Content?.Headers.ToList();
        var start = Volatile.Read(ref _current);
        for (var tried = 0; ; tried++)
        {
            var index = (start + tried) % _servers.Length;
            var target = new Uri(_servers[index], relative);
            for (var redirects = 0; ; redirects++)
            {
                using var attempt = Copy(request, target, body, contentHeaders);
                HttpResponseMessage response;
                try
                {
                    response = await base.SendAsync(attempt, cancellationToken).ConfigureAwait(false);
                }
                catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.ConnectionError && tried + 1 < _servers.Length)
                {
                    // Never sent: the next server gets it.
                    break;
                }
                catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
                {
                    // Sent, maybe carried out, no answer: let the caller decide; the next request starts elsewhere.
                    Interlocked.CompareExchange(ref _current, index + 1, start);
                    throw;
                }

                if (response.StatusCode is HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect && redirects < 3
                    && response.Headers.Location is { } location && Known(new Uri(target, location)) is { } leader)
                {
                    response.Dispose();
                    target = new Uri(target, location);
                    index = leader;
                    continue;
                }

                Interlocked.Exchange(ref _current, index);
                return response;
            }
        }
    }

    private static Uri WithSlash(Uri uri) => uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");

    /// <summary>The part of <paramref name="uri"/> after the base of one of our servers (or null when it is elsewhere).</summary>
    private string? Relative(Uri? uri)
    {
        if (uri is null || !uri.IsAbsoluteUri)
        {
            return null;
        }

        foreach (var server in _servers)
        {
            if (uri.AbsoluteUri.StartsWith(server.AbsoluteUri, StringComparison.Ordinal))
            {
                return uri.AbsoluteUri[server.AbsoluteUri.Length..];
            }
        }

        return null;
    }

    private int? Known(Uri uri)
    {
        for (var i = 0; i < _servers.Length; i++)
        {
            if (Uri.Compare(uri, _servers[i], UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0)
            {
                return i;
            }
        }

        return null;
    }

    private static HttpRequestMessage Copy(HttpRequestMessage request, Uri target, byte[]? body, List<KeyValuePair<string, IEnumerable<string>>>? contentHeaders)
    {
        var copy = new HttpRequestMessage(request.Method, target) { Version = request.Version, VersionPolicy = request.VersionPolicy };
        foreach (var header in request.Headers)
        {
            copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        if (body is not null)
        {
            copy.Content = new ByteArrayContent(body);
            foreach (var header in contentHeaders!)
            {
                copy.Content.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        foreach (var option in request.Options)
        {
            ((IDictionary<string, object?>)copy.Options)[option.Key] = option.Value;
        }

        return copy;
    }
}
