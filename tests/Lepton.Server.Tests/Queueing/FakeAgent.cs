using System.Net.Http.Headers;
using System.Net.Http.Json;
using Lepton.Client.Contracts;

namespace Lepton.Server.Tests.Queueing;

/// <summary>The smallest agent that can stand in for machines: it joins nodes with a join token and reports task exits
/// through the agent API with each node's own credential, and runs nothing. The simulation-equivalence test decides when
/// tasks end.</summary>
internal sealed class FakeAgent(Uri server, string joinToken) : IDisposable
{
    private readonly Dictionary<string, string> _nodeTokens = [];

    private readonly HttpClient _http = new() { BaseAddress = server, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Registers a node with <paramref name="gpus"/> GPUs of one model and keeps its credential.</summary>
    public async Task RegisterAsync(string name, long cpuMilli, long memoryMiB, int gpus, string model)
    {
        var registration = new NodeRegistration
        {
            Name = name,
            CpuMilli = cpuMilli,
            MemoryMiB = memoryMiB,
            Gpus = [.. Enumerable.Range(0, gpus).Select(i => new GpuDevice { Index = i, Model = model, MemoryMiB = 40960 })],
            Labels = new Dictionary<string, string>(),
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/agent/register")
        {
            Content = JsonContent.Create(registration, LeptonJsonContext.Default.NodeRegistration),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", joinToken);
        var response = await _http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var registered = await response.Content.ReadFromJsonAsync(LeptonJsonContext.Default.NodeRegistered);
        _nodeTokens[name] = registered!.NodeToken ?? throw new InvalidOperationException($"no credential issued for node '{name}'");
    }

    /// <summary>Reports, as node <paramref name="node"/>, that a task attempt exited with code 0.</summary>
    public async Task ExitAsync(string node, long taskId, int attempt)
    {
        var report = new TaskStatusReport { Attempt = attempt, Status = "Exited", ExitCode = 0 };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/agent/nodes/{node}/tasks/{taskId}/status")
        {
            Content = JsonContent.Create(report, LeptonJsonContext.Default.TaskStatusReport),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _nodeTokens[node]);
        var response = await _http.SendAsync(request);
        response.EnsureSuccessStatusCode();
    }

    public void Dispose() => _http.Dispose();
}
