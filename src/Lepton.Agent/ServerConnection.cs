using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Serialization.Metadata;
using Lepton.Client.Contracts;

namespace Lepton.Agent;

/// <summary>The few agent endpoints of the server, over one <see cref="HttpClient"/> with the agent's bearer token.</summary>
/// <remarks>Deliberately tiny: the agent only registers, heartbeats and reports. The full SDK lives in Lepton.Client.</remarks>
internal sealed class ServerConnection : IDisposable
{
    private readonly HttpClient _http;

    public ServerConnection(Uri server, string token, TimeSpan timeout)
    {
        _http = new HttpClient { BaseAddress = server, Timeout = timeout };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public Task<NodeRegistered> RegisterAsync(NodeRegistration registration, CancellationToken cancellationToken) =>
        PostAsync("api/v1/agent/register", registration, LeptonJsonContext.Default.NodeRegistration, LeptonJsonContext.Default.NodeRegistered, cancellationToken);

    public Task<HeartbeatResponse> HeartbeatAsync(string node, Heartbeat heartbeat, CancellationToken cancellationToken) =>
        PostAsync($"api/v1/agent/nodes/{Uri.EscapeDataString(node)}/heartbeat", heartbeat, LeptonJsonContext.Default.Heartbeat, LeptonJsonContext.Default.HeartbeatResponse, cancellationToken);

    /// <summary>Reports a task attempt's status; false when the server refuses it for good (4xx: stale or unknown attempt).</summary>
    public Task<bool> ReportAsync(string node, long taskId, TaskStatusReport report, CancellationToken cancellationToken) =>
        SendAsync($"api/v1/agent/nodes/{Uri.EscapeDataString(node)}/tasks/{taskId}/status", report, LeptonJsonContext.Default.TaskStatusReport, cancellationToken);

    /// <summary>Uploads a chunk of output; false when the server refuses it for good.</summary>
    public Task<bool> SendLogAsync(string node, long taskId, LogChunk chunk, CancellationToken cancellationToken) =>
        SendAsync($"api/v1/agent/nodes/{Uri.EscapeDataString(node)}/tasks/{taskId}/logs", chunk, LeptonJsonContext.Default.LogChunk, cancellationToken);

    public void Dispose() => _http.Dispose();

    private async Task<TResponse> PostAsync<TRequest, TResponse>(string path, TRequest body, JsonTypeInfo<TRequest> requestType, JsonTypeInfo<TResponse> responseType, CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsJsonAsync(path, body, requestType, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, path, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync(responseType, cancellationToken).ConfigureAwait(false)
            ?? throw new ServerException(response.StatusCode, $"{path}: empty response");
    }

    private async Task<bool> SendAsync<TRequest>(string path, TRequest body, JsonTypeInfo<TRequest> requestType, CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsJsonAsync(path, body, requestType, cancellationToken).ConfigureAwait(false);
        var status = (int)response.StatusCode;
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
