using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Lepton.Client.Contracts;
using Lepton.Client.Insights;

namespace Lepton.Client;

/// <summary>Typed async client for the Lepton server REST API (<c>/api/v1</c>).</summary>
/// <remarks>
/// Every call takes a <see cref="CancellationToken"/>. A response with an error status becomes a
/// <see cref="LeptonApiException"/> carrying the server's problem details; a server that cannot be reached surfaces as
/// the usual <see cref="HttpRequestException"/>. Pass your own <see cref="HttpClient"/> to control handlers and timeouts;
/// the client then never disposes it.
/// </remarks>
public sealed class LeptonClient : IDisposable
{
    private static readonly JsonSerializerOptions Json = LeptonJson.Options;

    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly AuthenticationHeaderValue _authorization;

    /// <summary>Creates a client for the server at <paramref name="server"/> (e.g. <c>http://127.0.0.1:7070</c>) using a bearer token.</summary>
    /// <param name="server">Server base address; a path prefix is kept.</param>
    /// <param name="token">API token (admin, tenant or agent).</param>
    /// <param name="http">Optional HTTP client; when null the client creates and owns one.</param>
    public LeptonClient(Uri server, string token, HttpClient? http = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentException.ThrowIfNullOrWhiteSpace(token);
        if (!server.IsAbsoluteUri || (server.Scheme != Uri.UriSchemeHttp && server.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"'{server}' is not an http(s) address", nameof(server));
        }

        Server = server.AbsoluteUri.EndsWith('/') ? server : new Uri(server.AbsoluteUri + "/");
        _authorization = new AuthenticationHeaderValue("Bearer", token.Trim());
        _ownsHttp = http is null;
        // Our own client has no overall timeout because log following streams for as long as the job runs;
        // plain calls are bounded by RequestTimeout instead.
        _http = http ?? new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>The server base address (always ending in '/').</summary>
    public Uri Server { get; }

    /// <summary>Upper bound on one non-streaming call; default 100 seconds.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(100);

    // ---- jobs ----

    /// <summary>Submits a job (<c>POST /api/v1/jobs</c>) and returns it as accepted, with its id.</summary>
    public Task<JobView> SubmitJobAsync(JobSubmission job, CancellationToken cancellationToken = default) =>
        SendAsync<JobView>(HttpMethod.Post, "api/v1/jobs", job, cancellationToken);

    /// <summary>Lists the jobs the token may see (<c>GET /api/v1/jobs</c>), optionally only those in one state.</summary>
    public async Task<IReadOnlyList<JobView>> ListJobsAsync(JobState? state = null, CancellationToken cancellationToken = default) =>
        await SendAsync<List<JobView>>(HttpMethod.Get, state is null ? "api/v1/jobs" : $"api/v1/jobs?state={state}", null, cancellationToken);

    /// <summary>Gets one job (<c>GET /api/v1/jobs/{id}</c>).</summary>
    public Task<JobView> GetJobAsync(long id, CancellationToken cancellationToken = default) =>
        SendAsync<JobView>(HttpMethod.Get, $"api/v1/jobs/{id}", null, cancellationToken);

    /// <summary>Cancels a job (<c>POST /api/v1/jobs/{id}/cancel</c>) and returns it.</summary>
    public Task<JobView> CancelJobAsync(long id, CancellationToken cancellationToken = default) =>
        SendAsync<JobView>(HttpMethod.Post, $"api/v1/jobs/{id}/cancel", null, cancellationToken);

    /// <summary>Explains why a job is pending: constraints, queue position, what would let it run (<c>GET /api/v1/jobs/{id}/explain</c>).</summary>
    public Task<JobExplanation> ExplainJobAsync(long id, CancellationToken cancellationToken = default) =>
        SendAsync<JobExplanation>(HttpMethod.Get, $"api/v1/jobs/{id}/explain", null, cancellationToken);

    /// <summary>Streams a job's output (<c>GET /api/v1/jobs/{id}/logs</c>) as text chunks in the order the server sends them.</summary>
    /// <param name="id">Job id.</param>
    /// <param name="follow">Keep the stream open and yield new output until the job finishes.</param>
    /// <param name="cancellationToken">Stops following.</param>
    public async IAsyncEnumerable<string> GetLogsAsync(long id, bool follow = false, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var request = NewRequest(HttpMethod.Get, follow ? $"api/v1/jobs/{id}/logs?follow=true" : $"api/v1/jobs/{id}/logs");
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        await ThrowIfErrorAsync(response, cancellationToken).ConfigureAwait(false);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var buffer = new char[8192];
        int read;
        while ((read = await reader.ReadAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false)) > 0)
        {
            yield return new string(buffer, 0, read);
        }
    }

    // ---- nodes ----

    /// <summary>Lists nodes with capacity, allocation, live usage and GPUs (<c>GET /api/v1/nodes</c>).</summary>
    public async Task<IReadOnlyList<NodeView>> ListNodesAsync(CancellationToken cancellationToken = default) =>
        await SendAsync<List<NodeView>>(HttpMethod.Get, "api/v1/nodes", null, cancellationToken);

    /// <summary>Drains a node (<c>POST /api/v1/nodes/{name}/drain</c>): no new work lands there; preemptible work moves away.</summary>
    public Task<NodeView> DrainNodeAsync(string name, CancellationToken cancellationToken = default) =>
        SendAsync<NodeView>(HttpMethod.Post, $"api/v1/nodes/{Uri.EscapeDataString(name)}/drain", null, cancellationToken);

    // ---- tenants and tokens (admin) ----

    /// <summary>Creates a tenant (<c>POST /api/v1/tenants</c>, admin only).</summary>
    public Task<TenantView> CreateTenantAsync(TenantCreate tenant, CancellationToken cancellationToken = default) =>
        SendAsync<TenantView>(HttpMethod.Post, "api/v1/tenants", tenant, cancellationToken);

    /// <summary>Lists tenants (<c>GET /api/v1/tenants</c>, admin only).</summary>
    public async Task<IReadOnlyList<TenantView>> ListTenantsAsync(CancellationToken cancellationToken = default) =>
        await SendAsync<List<TenantView>>(HttpMethod.Get, "api/v1/tenants", null, cancellationToken);

    /// <summary>Creates a token (<c>POST /api/v1/tokens</c>, admin only); the secret is in <see cref="TokenView.Token"/>, shown once.</summary>
    public Task<TokenView> CreateTokenAsync(TokenCreate token, CancellationToken cancellationToken = default) =>
        SendAsync<TokenView>(HttpMethod.Post, "api/v1/tokens", token, cancellationToken);

    /// <summary>Says who the client's token is (<c>GET /api/v1/whoami</c>, any token): kind and tenant.</summary>
    public Task<WhoAmIView> WhoAmIAsync(CancellationToken cancellationToken = default) =>
        SendAsync<WhoAmIView>(HttpMethod.Get, "api/v1/whoami", null, cancellationToken);

    // ---- cluster ----

    /// <summary>Allocation and live usage over the last hour (<c>GET /api/v1/cluster/utilization</c>).</summary>
    public Task<UtilizationHistory> GetUtilizationAsync(CancellationToken cancellationToken = default) =>
        SendAsync<UtilizationHistory>(HttpMethod.Get, "api/v1/cluster/utilization", null, cancellationToken);

    /// <summary>Checks <c>GET /healthz</c>; returns the body the server sent (e.g. <c>ok</c>).</summary>
    public Task<string> GetHealthAsync(CancellationToken cancellationToken = default) =>
        SendForTextAsync("healthz", cancellationToken);

    /// <summary>Reads <c>GET /metrics</c> in Prometheus text format.</summary>
    public Task<string> GetMetricsTextAsync(CancellationToken cancellationToken = default) =>
        SendForTextAsync("metrics", cancellationToken);

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    private HttpRequestMessage NewRequest(HttpMethod method, string relative)
    {
        var request = new HttpRequestMessage(method, new Uri(Server, relative));
        request.Headers.Authorization = _authorization;
        return request;
    }

    private async Task<T> SendAsync<T>(HttpMethod method, string relative, object? body, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RequestTimeout);
        using var request = NewRequest(method, relative);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (body is not null)
        {
            request.Content = new StringContent(JsonSerializer.Serialize(body, body.GetType(), Json), Encoding.UTF8, "application/json");
        }
        else if (method == HttpMethod.Post)
        {
            request.Content = new StringContent("", Encoding.UTF8, "application/json");
        }

        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
        await ThrowIfErrorAsync(response, timeout.Token).ConfigureAwait(false);
        var json = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
        try
        {
            return JsonSerializer.Deserialize<T>(json, Json)
                ?? throw new LeptonApiException(response.StatusCode, "Empty response", $"{method} {relative} returned no body");
        }
        catch (JsonException e)
        {
            throw new LeptonApiException(response.StatusCode, "Unexpected response", $"{method} {relative} returned something that is not the expected JSON: {e.Message}");
        }
    }

    private async Task<string> SendForTextAsync(string relative, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RequestTimeout);
        using var request = NewRequest(HttpMethod.Get, relative);
        using var response = await _http.SendAsync(request, timeout.Token).ConfigureAwait(false);
        await ThrowIfErrorAsync(response, timeout.Token).ConfigureAwait(false);
        return await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
    }

    /// <summary>Turns an error response into <see cref="LeptonApiException"/>, reading RFC 7807 problem details when present.</summary>
    internal static async Task ThrowIfErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var problem = TryReadProblem(text);
        if (problem is not null)
        {
            throw new LeptonApiException(response.StatusCode, problem.Title, problem.Detail, problem.Errors, problem.Type);
        }

        var title = response.StatusCode switch
        {
            HttpStatusCode.Unauthorized => "Unauthorized: the token is missing, unknown or revoked",
            HttpStatusCode.Forbidden => "Forbidden: this token may not do that",
            HttpStatusCode.NotFound => "Not found",
            _ => response.ReasonPhrase ?? $"HTTP {(int)response.StatusCode}",
        };
        var detail = string.IsNullOrWhiteSpace(text) || text.Length > 500 ? null : text.Trim();
        throw new LeptonApiException(response.StatusCode, title, detail is null ? null : $"{title}: {detail}");
    }

    private static ApiProblem? TryReadProblem(string text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.TrimStart()[0] != '{')
        {
            return null;
        }

        try
        {
            var problem = JsonSerializer.Deserialize(text, LeptonJsonContext.Default.ApiProblem);
            return problem is { Title: not null } or { Detail: not null } or { Errors: not null } ? problem : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
