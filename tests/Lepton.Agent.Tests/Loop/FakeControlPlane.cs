using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Lepton.Client.Contracts;

namespace Lepton.Agent.Tests.Loop;

/// <summary>A minimal stand-in for the server's agent endpoints, over real HTTP on loopback, that records what the agent says.</summary>
/// <remarks>It follows the server's heartbeat contract: assignments are the attempts the agent did not report running and that
/// have not exited; kills are reported attempts that are no longer assigned.</remarks>
internal sealed class FakeControlPlane : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private readonly ConcurrentDictionary<(long, int), TaskAssignment> _assigned = new();
    private readonly ConcurrentDictionary<(long, int), bool> _exited = new();

    public FakeControlPlane()
    {
        var port = FreePort();
        Url = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(Url.ToString());
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public Uri Url { get; }

    public ConcurrentQueue<(long TaskId, TaskStatusReport Report)> Reports { get; } = new();

    public ConcurrentQueue<(long TaskId, LogChunk Chunk)> Logs { get; } = new();

    public ConcurrentQueue<Heartbeat> Heartbeats { get; } = new();

    public int Registrations;

    /// <summary>When set, a registration made with any other token is answered with this node credential.</summary>
    public string? NodeToken { get; set; }

    /// <summary>Tokens answered with 401 (revoked).</summary>
    public ConcurrentDictionary<string, bool> Revoked { get; } = new();

    /// <summary>Every call: the endpoint's last path segment and the bearer token it carried.</summary>
    public ConcurrentQueue<(string Endpoint, string? Token)> Calls { get; } = new();

    public ConcurrentQueue<NodeRegistration> RegisteredNodes { get; } = new();

    public void Assign(TaskAssignment assignment) => _assigned[(assignment.TaskId, assignment.Attempt)] = assignment;

    public void Unassign(long taskId, int attempt) => _assigned.TryRemove((taskId, attempt), out _);

    public string LogText(long taskId) => string.Concat(Logs.Where(l => l.TaskId == taskId).Select(l => l.Chunk.Text));

    public async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        for (var i = 0; i < 600 && !condition(); i++)
        {
            await Task.Delay(50);
        }

        Assert.True(condition(), $"timed out waiting until {what}");
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
        {
        }

        try
        {
            _listener.Close();
        }
        catch (HttpListenerException)
        {
            // Closing a stopped listener can report its prefix's endpoint as taken (seen once under load); the test is over.
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            try
            {
                await HandleAsync(context);
            }
            finally
            {
                context.Response.Close();
            }
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var path = context.Request.Url!.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var body = context.Request.InputStream;
        var authorization = context.Request.Headers["Authorization"];
        var token = authorization is not null && authorization.StartsWith("Bearer ", StringComparison.Ordinal) ? authorization[7..] : null;
        Calls.Enqueue((path.Length > 0 ? path[^1] : "", token));
        if (token is not null && Revoked.ContainsKey(token))
        {
            context.Response.StatusCode = 401;
            return;
        }

        if (path is [.., "register"])
        {
            RegisteredNodes.Enqueue((await JsonSerializer.DeserializeAsync(body, LeptonJsonContext.Default.NodeRegistration))!);
            Interlocked.Increment(ref Registrations);
            var issued = NodeToken is { } node && token != node ? node : null;
            await WriteAsync(context, new NodeRegistered { Name = "n", HeartbeatIntervalSeconds = 0.1, NodeToken = issued }, LeptonJsonContext.Default.NodeRegistered);
        }
        else if (path is [.., "heartbeat"])
        {
            var heartbeat = (await JsonSerializer.DeserializeAsync(body, LeptonJsonContext.Default.Heartbeat))!;
            Heartbeats.Enqueue(heartbeat);
            var running = heartbeat.Running.Select(r => (r.TaskId, r.Attempt)).ToHashSet();
            var response = new HeartbeatResponse
            {
                Assignments = [.. _assigned.Where(a => !running.Contains(a.Key) && !_exited.ContainsKey(a.Key)).Select(a => a.Value)],
                Kill = [.. heartbeat.Running.Where(r => !_assigned.ContainsKey((r.TaskId, r.Attempt)))],
            };
            await WriteAsync(context, response, LeptonJsonContext.Default.HeartbeatResponse);
        }
        else if (path is [.., "tasks", var id, "status"])
        {
            var report = (await JsonSerializer.DeserializeAsync(body, LeptonJsonContext.Default.TaskStatusReport))!;
            var taskId = long.Parse(id, System.Globalization.CultureInfo.InvariantCulture);
            Reports.Enqueue((taskId, report));
            if (report.Status == "Exited")
            {
                _exited[(taskId, report.Attempt)] = true;
            }

            context.Response.StatusCode = 204;
        }
        else if (path is [.., "tasks", var logId, "logs"])
        {
            var chunk = (await JsonSerializer.DeserializeAsync(body, LeptonJsonContext.Default.LogChunk))!;
            Logs.Enqueue((long.Parse(logId, System.Globalization.CultureInfo.InvariantCulture), chunk));
            context.Response.StatusCode = 204;
        }
        else
        {
            context.Response.StatusCode = 404;
        }
    }

    private static async Task WriteAsync<T>(HttpListenerContext context, T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        context.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(context.Response.OutputStream, value, type);
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}
