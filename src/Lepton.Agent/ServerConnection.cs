using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Serialization.Metadata;
using Lepton.Client.Contracts;

namespace Lepton.Agent;

/// <summary>The few agent endpoints of the server, over one <see cref="HttpClient"/>, with the node's credentials.</summary>
/// <remarks>
/// <para>Deliberately tiny: the agent only registers, heartbeats and reports. The full SDK lives in Lepton.Client.</para>
/// <para>Two credentials: the join (agent) token given to the agent registers a new node, and the node credential the
/// server returns then speaks for this node alone (heartbeats, status reports, log uploads, registering again). The node
/// credential is kept in a file (mode 0600) so a restarted agent reuses it. When the server no longer accepts it (an admin
/// revoked it or removed the node), the agent forgets it and joins afresh with the join token.</para>
/// </remarks>
internal sealed class ServerConnection : IDisposable
{
    private readonly HttpClient _http;
    private readonly string _joinToken;
    private readonly string? _credentialPath;
    private volatile string? _nodeToken;

    /// <param name="server">Server base address.</param>
    /// <param name="token">The join (agent) token; an admin token works too.</param>
    /// <param name="timeout">Per-request timeout.</param>
    /// <param name="credentialPath">Where the node credential is kept; null keeps it in memory only.</param>
    /// <param name="otherServers">Further servers of the cluster, tried in turn when one stops answering.</param>
    public ServerConnection(Uri server, string token, TimeSpan timeout, string? credentialPath = null, IReadOnlyList<Uri>? otherServers = null)
    {
        _http = otherServers is { Count: > 0 }
            ? new HttpClient(new Lepton.Client.ServerFailover([server, .. otherServers])) { BaseAddress = server, Timeout = timeout }
            : new HttpClient { BaseAddress = server, Timeout = timeout };
        _joinToken = token;
        _credentialPath = credentialPath;
        _nodeToken = credentialPath is null ? null : NodeCredentialFile.Read(credentialPath);
    }

    /// <summary>Whether a node credential is held (from the file or a registration).</summary>
    public bool HasNodeCredential => _nodeToken is not null;

    /// <summary>Registers the node: with its own credential when one is held, else (or when the server no longer takes it)
    /// with the join token, keeping the credential the server then issues.</summary>
    public async Task<NodeRegistered> RegisterAsync(NodeRegistration registration, CancellationToken cancellationToken)
    {
        if (_nodeToken is { } own)
        {
            try
            {
                return await PostAsync("api/v1/agent/register", own, registration, LeptonJsonContext.Default.NodeRegistration, LeptonJsonContext.Default.NodeRegistered, cancellationToken).ConfigureAwait(false);
            }
            catch (ServerException e) when (e.Status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                // Revoked, or its node was removed, or it belongs to another name: join afresh below.
                ForgetNodeCredential();
            }
        }

        var registered = await PostAsync("api/v1/agent/register", _joinToken, registration, LeptonJsonContext.Default.NodeRegistration, LeptonJsonContext.Default.NodeRegistered, cancellationToken).ConfigureAwait(false);
        if (registered.NodeToken is { Length: > 0 } issued)
        {
            if (_credentialPath is not null)
            {
                NodeCredentialFile.Write(_credentialPath, issued);
            }

            _nodeToken = issued;
        }

        return registered;
    }

    public Task<HeartbeatResponse> HeartbeatAsync(string node, Heartbeat heartbeat, CancellationToken cancellationToken) =>
        PostAsync($"api/v1/agent/nodes/{Uri.EscapeDataString(node)}/heartbeat", NodeToken, heartbeat, LeptonJsonContext.Default.Heartbeat, LeptonJsonContext.Default.HeartbeatResponse, cancellationToken);

    /// <summary>Reports a task attempt's status; false when the server refuses it for good (4xx: stale or unknown attempt).</summary>
    public Task<bool> ReportAsync(string node, long taskId, TaskStatusReport report, CancellationToken cancellationToken) =>
        SendAsync($"api/v1/agent/nodes/{Uri.EscapeDataString(node)}/tasks/{taskId}/status", report, LeptonJsonContext.Default.TaskStatusReport, cancellationToken);

    /// <summary>Uploads a chunk of output; false when the server refuses it for good.</summary>
    public Task<bool> SendLogAsync(string node, long taskId, LogChunk chunk, CancellationToken cancellationToken) =>
        SendAsync($"api/v1/agent/nodes/{Uri.EscapeDataString(node)}/tasks/{taskId}/logs", chunk, LeptonJsonContext.Default.LogChunk, cancellationToken);

    public void Dispose() => _http.Dispose();

    /// <summary>The credential for calls about the node: its own, or the join token against a server that issues none.</summary>
    private string NodeToken => _nodeToken ?? _joinToken;

    private void ForgetNodeCredential()
    {
        _nodeToken = null;
        if (_credentialPath is not null)
        {
            NodeCredentialFile.Delete(_credentialPath);
        }
    }

    private async Task<HttpResponseMessage> PostRawAsync<TRequest>(string path, string token, TRequest body, JsonTypeInfo<TRequest> requestType, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, requestType) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private async Task<TResponse> PostAsync<TRequest, TResponse>(string path, string token, TRequest body, JsonTypeInfo<TRequest> requestType, JsonTypeInfo<TResponse> responseType, CancellationToken cancellationToken)
    {
        using var response = await PostRawAsync(path, token, body, requestType, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, path, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync(responseType, cancellationToken).ConfigureAwait(false)
            ?? throw new ServerException(response.StatusCode, $"{path}: empty response");
    }

    private async Task<bool> SendAsync<TRequest>(string path, TRequest body, JsonTypeInfo<TRequest> requestType, CancellationToken cancellationToken)
    {
        using var response = await PostRawAsync(path, NodeToken, body, requestType, cancellationToken).ConfigureAwait(false);
        var status = (int)response.StatusCode;
        // 401 is not final: the credential was revoked or the node removed, and the heartbeat loop registers again.
        if (status is >= 400 and < 500 && response.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests))
        {
            return false;
        }

        await EnsureSuccessAsync(response, path, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string path, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var detail = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        throw new ServerException(response.StatusCode, $"{path}: {(int)response.StatusCode} {response.ReasonPhrase}: {detail}");
    }
}
