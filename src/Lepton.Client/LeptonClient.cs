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

    /// <summary>Creates a client for a group of servers sharing one store (a leader and followers): requests go to the first
    /// that answers, and move on to the next when it stops answering (see <see cref="ServerFailover"/>).</summary>
    /// <param name="servers">The servers' base addresses, first preferred.</param>
    /// <param name="token">API token.</param>
    public LeptonClient(IReadOnlyList<Uri> servers, string token)
        : this(servers is { Count: > 0 } ? servers[0] : throw new ArgumentException("at least one server is needed", nameof(servers)), token,
            new HttpClient(new ServerFailover(servers)) { Timeout = Timeout.InfiniteTimeSpan })
    {
        _ownsHttp = true;
    }

    /// <summary>The server base address (always ending in '/').</summary>
    public Uri Server { get; }

    /// <summary>Upper bound on one non-streaming call; default 100 seconds.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(100);

    // ---- jobs ----

    /// <summary>How many times a submission is retried after a transient failure (no connection, timeout, 502/503/504);
    /// the retries carry the same <c>Idempotency-Key</c>, so they never create a second job. Default 4.</summary>
    public int SubmitRetries { get; init; } = 4;

    /// <summary>Submits a job (<c>POST /api/v1/jobs</c>) and returns it as accepted, with its id.</summary>
    /// <remarks>Sends a fresh <c>Idempotency-Key</c> and retries transient failures with it (<see cref="SubmitRetries"/>):
    /// a job whose 201 was lost is returned by the retry, never created twice.</remarks>
    public Task<JobView> SubmitJobAsync(JobSubmission job, CancellationToken cancellationToken = default) =>
        SubmitJobAsync(job, Guid.NewGuid().ToString("N"), cancellationToken);

    /// <summary>Submits a job with the caller's own <c>Idempotency-Key</c>: the server creates at most one job per key and
    /// tenant, and answers a repeat with the job the first request created (also after a restart). Transient failures are
    /// retried with the same key.</summary>
    /// <param name="job">The job.</param>
    /// <param name="idempotencyKey">1..255 printable ASCII characters without ','; a new one per job (a UUID).</param>
    /// <param name="cancellationToken">Stops retrying.</param>
    /// <exception cref="LeptonApiException">422 when the key was already used for a different job.</exception>
    public async Task<JobView> SubmitJobAsync(JobSubmission job, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(idempotencyKey);
        var delay = TimeSpan.FromMilliseconds(200);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return (await SendCoreAsync<JobView>(HttpMethod.Post, "api/v1/jobs", job, idempotencyKey, cancellationToken).ConfigureAwait(false)).Value;
            }
            catch (Exception e) when (attempt < SubmitRetries && IsTransient(e, cancellationToken))
            {
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    /// <summary>Lists every job the token may see (<c>GET /api/v1/jobs</c>, following every page), optionally only those
    /// in one state; oldest first.</summary>
    public async Task<IReadOnlyList<JobView>> ListJobsAsync(JobState? state = null, CancellationToken cancellationToken = default)
    {
        var all = new List<JobView>();
        long? after = null;
        do
        {
            var page = await ListJobsPageAsync(new JobPageRequest { State = state, After = after, Limit = JobPageRequest.MaxLimit }, cancellationToken).ConfigureAwait(false);
            all.AddRange(page.Jobs);
            after = page.NextAfter;
        }
        while (after is not null);

        return all;
    }

    /// <summary>One page of jobs (<c>GET /api/v1/jobs?limit=&amp;after=&amp;order=&amp;state=</c>); pass
    /// <see cref="JobPage.NextAfter"/> as the next request's <see cref="JobPageRequest.After"/> until it is null.</summary>
    public async Task<JobPage> ListJobsPageAsync(JobPageRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var query = new List<string> { $"limit={request.Limit}" };
        if (request.After is { } after)
        {
            query.Add($"after={after}");
        }

        if (request.NewestFirst)
        {
            query.Add("order=desc");
        }

        if (request.States is { Count: > 0 } states)
        {
            query.Add("state=" + string.Join(',', states));
        }
        else if (request.State is { } state)
        {
            query.Add($"state={state}");
        }

        var (jobs, headers) = await SendCoreAsync<List<JobView>>(HttpMethod.Get, "api/v1/jobs?" + string.Join('&', query), null, null, cancellationToken).ConfigureAwait(false);
        var more = headers.TryGetValues("Link", out var links) && links.Any(l => l.Contains("rel=\"next\"", StringComparison.Ordinal));
        return new JobPage(jobs, more && jobs.Count > 0 ? jobs[^1].Id : null);
    }

    /// <summary>How many jobs the token may see, by state (<c>GET /api/v1/jobs/summary</c>).</summary>
    public Task<JobSummary> GetJobSummaryAsync(CancellationToken cancellationToken = default) =>
        SendAsync<JobSummary>(HttpMethod.Get, "api/v1/jobs/summary", null, cancellationToken);

    /// <summary>Gets one job (<c>GET /api/v1/jobs/{id}</c>).</summary>
    public Task<JobView> GetJobAsync(long id, CancellationToken cancellationToken = default) =>
        SendAsync<JobView>(HttpMethod.Get, $"api/v1/jobs/{id}", null, cancellationToken);

    /// <summary>Cancels a job (<c>POST /api/v1/jobs/{id}/cancel</c>) and returns it.</summary>
    public Task<JobView> CancelJobAsync(long id, CancellationToken cancellationToken = default) =>
        SendAsync<JobView>(HttpMethod.Post, $"api/v1/jobs/{id}/cancel", null, cancellationToken);

    /// <summary>Explains why a job is pending: constraints, queue position, what would let it run (<c>GET /api/v1/jobs/{id}/explain</c>).</summary>
    public Task<JobExplanation> ExplainJobAsync(long id, CancellationToken cancellationToken = default) =>
        SendAsync<JobExplanation>(HttpMethod.Get, $"api/v1/jobs/{id}/explain", null, cancellationToken);

    /// <summary>When a queued job is expected to start (<c>GET /api/v1/jobs/{id}/eta</c>).</summary>
    public Task<JobEtaView> GetJobEtaAsync(long id, CancellationToken cancellationToken = default) =>
        SendAsync<JobEtaView>(HttpMethod.Get, $"api/v1/jobs/{id}/eta", null, cancellationToken);

    /// <summary>When a job would start if submitted now, without submitting it (<c>POST /api/v1/jobs/whatif</c>).</summary>
    public Task<JobEtaView> WhatIfAsync(JobSubmission job, CancellationToken cancellationToken = default) =>
        SendAsync<JobEtaView>(HttpMethod.Post, "api/v1/jobs/whatif", job, cancellationToken);

    /// <summary>Streams a job's output (<c>GET /api/v1/jobs/{id}/logs</c>) as text chunks in the order the server sends them.</summary>
    /// <param name="id">Job id.</param>
    /// <param name="follow">Keep the stream open and yield new output until the job finishes.</param>
    /// <param name="cancellationToken">Stops following.</param>
    public IAsyncEnumerable<string> GetLogsAsync(long id, bool follow = false, CancellationToken cancellationToken = default) =>
        GetLogsAsync(id, follow, null, cancellationToken);

    /// <summary>Streams a job's output (<c>GET /api/v1/jobs/{id}/logs</c>), starting with its last <paramref name="tail"/> lines.</summary>
    /// <param name="id">Job id.</param>
    /// <param name="follow">Keep the stream open and yield new output until the job finishes.</param>
    /// <param name="tail">Start with the last this many lines (null: from the beginning).</param>
    /// <param name="cancellationToken">Stops following.</param>
    public async IAsyncEnumerable<string> GetLogsAsync(long id, bool follow, int? tail, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var query = new List<string>();
        if (follow)
        {
            query.Add("follow=true");
        }

        if (tail is { } lines)
        {
            query.Add($"tail={lines.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        }

        using var request = NewRequest(HttpMethod.Get, query.Count == 0 ? $"api/v1/jobs/{id}/logs" : $"api/v1/jobs/{id}/logs?{string.Join('&', query)}");
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

    /// <summary>Usage over a period (<c>GET /api/v1/usage</c>): GPU-hours, CPU-hours, energy and cost per tenant, job and node.</summary>
    /// <param name="from">Start (inclusive); null for the beginning.</param>
    /// <param name="to">End (exclusive); null for now.</param>
    /// <param name="tenant">One tenant only (admins; a tenant token always sees its own).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<UsageReport> GetUsageAsync(DateTimeOffset? from = null, DateTimeOffset? to = null, string? tenant = null,
        CancellationToken cancellationToken = default)
    {
        var query = new List<string>();
        if (from is { } f)
        {
            query.Add("from=" + Uri.EscapeDataString(f.ToString("O", System.Globalization.CultureInfo.InvariantCulture)));
        }

        if (to is { } t)
        {
            query.Add("to=" + Uri.EscapeDataString(t.ToString("O", System.Globalization.CultureInfo.InvariantCulture)));
        }

        if (tenant is not null)
        {
            query.Add("tenant=" + Uri.EscapeDataString(tenant));
        }

        return SendAsync<UsageReport>(HttpMethod.Get, "api/v1/usage" + (query.Count > 0 ? "?" + string.Join('&', query) : ""), null, cancellationToken);
    }

    /// <summary>Power per node now, and energy and cost per tenant since the server started (<c>GET /api/v1/usage/power</c>).</summary>
    public Task<PowerNow> GetPowerAsync(CancellationToken cancellationToken = default) =>
        SendAsync<PowerNow>(HttpMethod.Get, "api/v1/usage/power", null, cancellationToken);

    /// <summary>Drains a node (<c>POST /api/v1/nodes/{name}/drain</c>): no new work lands there; preemptible work moves away.</summary>
    public Task<NodeView> DrainNodeAsync(string name, CancellationToken cancellationToken = default) =>
        SendAsync<NodeView>(HttpMethod.Post, $"api/v1/nodes/{Uri.EscapeDataString(name)}/drain", null, cancellationToken);

    /// <summary>Undoes a drain (<c>POST /api/v1/nodes/{name}/undrain</c>, admin): the node takes work again.</summary>
    public Task<NodeView> UndrainNodeAsync(string name, CancellationToken cancellationToken = default) =>
        SendAsync<NodeView>(HttpMethod.Post, $"api/v1/nodes/{Uri.EscapeDataString(name)}/undrain", null, cancellationToken);

    /// <summary>Removes a node and revokes its credential (<c>DELETE /api/v1/nodes/{name}</c>, admin). Refused (409) while
    /// the node is up with work bound to it; a Down node's leftover work is requeued without using a retry.</summary>
    public Task RemoveNodeAsync(string name, CancellationToken cancellationToken = default) =>
        SendNoContentAsync(HttpMethod.Delete, $"api/v1/nodes/{Uri.EscapeDataString(name)}", cancellationToken);

    // ---- tenants and tokens (admin) ----

    /// <summary>Creates a tenant (<c>POST /api/v1/tenants</c>, admin only).</summary>
    public Task<TenantView> CreateTenantAsync(TenantCreate tenant, CancellationToken cancellationToken = default) =>
        SendAsync<TenantView>(HttpMethod.Post, "api/v1/tenants", tenant, cancellationToken);

    /// <summary>Sets a tenant's fair-share terms (<c>PUT /api/v1/tenants/{name}/share</c>, admin only).</summary>
    public Task<TenantView> SetTenantShareAsync(string name, TenantShareUpdate share, CancellationToken cancellationToken = default) =>
        SendAsync<TenantView>(HttpMethod.Put, $"api/v1/tenants/{Uri.EscapeDataString(name)}/share", share, cancellationToken);

    /// <summary>Lists tenants (<c>GET /api/v1/tenants</c>, admin only).</summary>
    public async Task<IReadOnlyList<TenantView>> ListTenantsAsync(CancellationToken cancellationToken = default) =>
        await SendAsync<List<TenantView>>(HttpMethod.Get, "api/v1/tenants", null, cancellationToken);

    /// <summary>Creates a token (<c>POST /api/v1/tokens</c>, admin only); the secret is in <see cref="TokenView.Token"/>, shown once.</summary>
    public Task<TokenView> CreateTokenAsync(TokenCreate token, CancellationToken cancellationToken = default) =>
        SendAsync<TokenView>(HttpMethod.Post, "api/v1/tokens", token, cancellationToken);

    /// <summary>Lists every token, revoked ones included (<c>GET /api/v1/tokens</c>, admin only); never a secret.</summary>
    public async Task<IReadOnlyList<TokenView>> ListTokensAsync(CancellationToken cancellationToken = default) =>
        await SendAsync<List<TokenView>>(HttpMethod.Get, "api/v1/tokens", null, cancellationToken);

    /// <summary>Revokes a token (<c>DELETE /api/v1/tokens/{id}</c>, admin only); it is refused from the next request on.</summary>
    public Task<TokenView> RevokeTokenAsync(long id, CancellationToken cancellationToken = default) =>
        SendAsync<TokenView>(HttpMethod.Delete, $"api/v1/tokens/{id}", null, cancellationToken);

    /// <summary>Says who the client's token is (<c>GET /api/v1/whoami</c>, any token): kind and tenant.</summary>
    public Task<WhoAmIView> WhoAmIAsync(CancellationToken cancellationToken = default) =>
        SendAsync<WhoAmIView>(HttpMethod.Get, "api/v1/whoami", null, cancellationToken);

    // ---- cluster ----

    /// <summary>Allocation and live usage over the last hour (<c>GET /api/v1/cluster/utilization</c>).</summary>
    public Task<UtilizationHistory> GetUtilizationAsync(CancellationToken cancellationToken = default) =>
        SendAsync<UtilizationHistory>(HttpMethod.Get, "api/v1/cluster/utilization", null, cancellationToken);

    /// <summary>The consolidation plan (<c>GET /api/v1/cluster/consolidation</c>, admin): moves of preemptible jobs that free the
    /// most whole GPUs (<paramref name="goal"/> <c>gpus</c>) or nodes (<c>nodes</c>), at most <paramref name="maxMoves"/> tasks.</summary>
    public Task<ConsolidationView> GetConsolidationAsync(string goal = "gpus", int maxMoves = 10, CancellationToken cancellationToken = default) =>
        SendAsync<ConsolidationView>(HttpMethod.Get, $"api/v1/cluster/consolidation?goal={Uri.EscapeDataString(goal)}&maxMoves={maxMoves}", null, cancellationToken);

    /// <summary>Computes the consolidation plan and requeues its moved jobs through preemption (<c>POST /api/v1/cluster/consolidation</c>, admin).</summary>
    public Task<ConsolidationView> ApplyConsolidationAsync(string goal = "gpus", int maxMoves = 10, CancellationToken cancellationToken = default) =>
        SendAsync<ConsolidationView>(HttpMethod.Post, $"api/v1/cluster/consolidation?goal={Uri.EscapeDataString(goal)}&maxMoves={maxMoves}", null, cancellationToken);

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

    private async Task<T> SendAsync<T>(HttpMethod method, string relative, object? body, CancellationToken cancellationToken) =>
        (await SendCoreAsync<T>(method, relative, body, null, cancellationToken).ConfigureAwait(false)).Value;

    private async Task SendNoContentAsync(HttpMethod method, string relative, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RequestTimeout);
        using var request = NewRequest(method, relative);
        using var response = await _http.SendAsync(request, timeout.Token).ConfigureAwait(false);
        await ThrowIfErrorAsync(response, timeout.Token).ConfigureAwait(false);
    }

    /// <summary>Whether a failed submission may be retried with its key: the server may not have seen it, or may have
    /// committed it without the answer reaching us.</summary>
    private static bool IsTransient(Exception e, CancellationToken cancellationToken) => e switch
    {
        HttpRequestException => true,
        // Our own RequestTimeout fired, not the caller's token.
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        LeptonApiException api => api.Status is HttpStatusCode.ServiceUnavailable or HttpStatusCode.BadGateway or HttpStatusCode.GatewayTimeout,
        _ => false,
    };

    private async Task<(T Value, HttpResponseHeaders Headers)> SendCoreAsync<T>(HttpMethod method, string relative, object? body, string? idempotencyKey, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RequestTimeout);
        using var request = NewRequest(method, relative);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

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
            return (JsonSerializer.Deserialize<T>(json, Json)
                ?? throw new LeptonApiException(response.StatusCode, "Empty response", $"{method} {relative} returned no body"), response.Headers);
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
