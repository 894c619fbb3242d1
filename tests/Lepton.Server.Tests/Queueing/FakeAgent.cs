using System.Net.Http.Headers;
using System.Net.Http.Json;
using Lepton.Client.Contracts;

namespace Lepton.Server.Tests.Queueing;

/// <summary>The smallest agent that can stand in for machines: it registers nodes and reports task exits through the
/// agent API, and runs nothing. The simulation-equivalence test decides when tasks end.</summary>
internal sealed class FakeAgent(Uri server, string token) : IDisposable
{
    private readonly HttpClient _http = new()
    {
        BaseAddress = server,
        Timeout = TimeSpan.FromSeconds(30),
        DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", token) },
    };

    /// <summary>Registers a node with <paramref name="gpus"/> GPUs of one model.</summary>
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
        var response = await _http.PostAsJsonAsync("/api/v1/agent/register", registration, LeptonJsonContext.Default.NodeRegistration);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Reports that a task attempt exited with code 0.</summary>
    public async Task ExitAsync(string node, long taskId, int attempt)
    {
        var report = new TaskStatusReport { Attempt = attempt, Status = "Exited", ExitCode = 0 };
        var response = await _http.PostAsJsonAsync($"/api/v1/agent/nodes/{node}/tasks/{taskId}/status", report, LeptonJsonContext.Default.TaskStatusReport);
        response.EnsureSuccessStatusCode();
    }

    public void Dispose() => _http.Dispose();
}
