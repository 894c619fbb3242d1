using System.Text;
using Lepton.Client.Contracts;
using Lepton.Server.Auth;
using Lepton.Server.Logs;
using Lepton.Server.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Lepton.Server.Apis;

/// <summary>Task output: agents upload it (<c>POST /api/v1/agent/nodes/{name}/tasks/{taskId}/logs</c>) and users read or
/// follow it (<c>GET /api/v1/jobs/{id}/logs[?follow=true&amp;replica=N&amp;stream=stdout&amp;tail=N&amp;offset=B&amp;limit=B]</c>).</summary>
/// <remarks>
/// <para>Reads are streamed window by window, never loaded whole. <c>tail=N</c> starts with the last N lines (after the
/// replica/stream filters); <c>offset=B</c> starts at byte B of the job's log (as returned in <c>Lepton-Log-Next-Offset</c>);
/// <c>limit=B</c> returns one page of at most B bytes of log and sets <c>Lepton-Log-Next-Offset</c> to where the next page
/// starts. Without <c>limit</c> the response streams to the end of the log (and, with <c>follow=true</c>, on as lines arrive).</para>
/// <para>A follow request streams new lines as they arrive and ends once the job is finished and every line is sent;
/// the agent ships a task's last lines before it reports the exit, so nothing arrives after the job ends.</para>
/// </remarks>
internal static class JobLogEndpoints
{
    private const int MaxChunkChars = 1024 * 1024;
    private const int MaxTail = 100_000;

    /// <summary>Response header with the byte offset to continue from.</summary>
    public const string NextOffsetHeader = "Lepton-Log-Next-Offset";
    private static readonly TimeSpan FollowPoll = TimeSpan.FromMilliseconds(200);

    public static void Map(IEndpointRouteBuilder api, ControlPlane plane, JobOperations jobs, JobLogStore logs)
    {
        NodeApi.NodeGroup(api, plane)
            .MapPost("/tasks/{taskId:long}/logs", async (HttpContext http, string name, long taskId) =>
            {
                var chunk = await JsonBody.ReadAsync<LogChunk>(http.Request);
                if (chunk.Stream is not ("stdout" or "stderr"))
                {
                    throw ApiException.BadField("stream", "must be stdout or stderr");
                }

                if (chunk.Attempt < 0)
                {
                    throw ApiException.BadField("attempt", "must not be negative");
                }

                if (chunk.Text is null || chunk.Text.Length > MaxChunkChars)
                {
                    throw ApiException.BadField("text", $"must be at most {MaxChunkChars} characters per chunk");
                }

                long jobId;
                int replica;
                lock (plane.Gate)
                {
                    // Only the current attempt of a task bound to the calling node may add output; lines of an older
                    // attempt that ran here are refused as stale, like its status reports.
                    if (!plane.Tasks.TryGetValue(taskId, out var task))
                    {
                        throw ApiException.NotFound($"task {taskId}");
                    }

                    JobOperations.CheckReporter(task, name, chunk.Attempt, mayHaveEnded: true);

                    jobId = task.JobId;
                    replica = task.Replica;
                }

                logs.Append(jobId, replica, chunk.Attempt, chunk.Stream, chunk.Text);
                return Results.NoContent();
            }).Accepts<LogChunk>("application/json").Produces(204).ProducesProblem(404).ProducesProblem(409);

        api.MapGroup("/jobs").WithTags("Jobs").AddEndpointFilter(new CallerFilter(plane, [TokenKind.Tenant, TokenKind.Admin]))
            .MapGet("/{id:long}/logs", (HttpContext http, long id, bool? follow, int? replica, string? stream, int? tail, long? offset, int? limit) =>
            {
                var caller = CallerFilter.Of(http);
                var job = jobs.Get(caller, id) ?? throw ApiException.NotFound($"job {id}");
                if (replica is { } r && (r < 0 || r >= job.Replicas))
                {
                    throw ApiException.BadField("replica", $"must be between 0 and {job.Replicas - 1}");
                }

                if (stream is not (null or "stdout" or "stderr"))
                {
                    throw ApiException.BadField("stream", "must be stdout or stderr");
                }

                if (tail is < 0 or > MaxTail)
                {
                    throw ApiException.BadField("tail", $"must be between 0 and {MaxTail}");
                }

                if (offset is < 0)
                {
                    throw ApiException.BadField("offset", "must not be negative");
                }

                if (limit is < 1 or > JobLogStore.ReadWindow)
                {
                    throw ApiException.BadField("limit", $"must be between 1 and {JobLogStore.ReadWindow}");
                }

                if (tail is not null && offset is not null)
                {
                    throw ApiException.BadField("tail", "give either tail or offset, not both");
                }

                var filter = new LogFilter(replica, stream, job.Replicas > 1 && replica is null);
                var start = offset ?? 0;
                string first = "";
                if (tail is { } lines)
                {
                    (first, start) = logs.Tail(id, lines, filter);
                }

                if (limit is { } max && follow != true)
                {
                    var page = logs.Read(id, start, filter, max);
                    http.Response.Headers[NextOffsetHeader] = page.Next.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    return Results.Text(first + page.Text, "text/plain; charset=utf-8");
                }

                return Results.Stream(async body =>
                {
                    var at = start;
                    var cancel = http.RequestAborted;
                    if (first.Length > 0)
                    {
                        await body.WriteAsync(Encoding.UTF8.GetBytes(first), cancel);
                    }

                    while (!cancel.IsCancellationRequested)
                    {
                        // Look at the state before reading: lines that arrived before the job ended are then all read.
                        var finished = follow != true
                            || jobs.Get(caller, id) is not { } now || now.State is JobState.Succeeded or JobState.Failed or JobState.Cancelled;
                        bool atEnd;
                        do
                        {
                            (var text, at, atEnd) = logs.Read(id, at, filter);
                            if (text.Length > 0)
                            {
                                await body.WriteAsync(Encoding.UTF8.GetBytes(text), cancel);
                            }
                        }
                        while (!atEnd && !cancel.IsCancellationRequested);

                        await body.FlushAsync(cancel);
                        if (finished)
                        {
                            return;
                        }

                        await Task.Delay(FollowPoll, cancel);
                    }
                }, "text/plain; charset=utf-8");
            }).Produces<string>(200, "text/plain").ProducesProblem(404);
    }
}
