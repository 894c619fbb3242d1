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
/// follow it (<c>GET /api/v1/jobs/{id}/logs[?follow=true&amp;replica=N&amp;stream=stdout]</c>).</summary>
/// <remarks>A follow request streams new lines as they arrive and ends once the job is finished and every line is sent;
/// the agent ships a task's last lines before it reports the exit, so nothing arrives after the job ends.</remarks>
internal static class JobLogEndpoints
{
    private const int MaxChunkChars = 1024 * 1024;
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

                if (chunk.Text.Length > MaxChunkChars)
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
            .MapGet("/{id:long}/logs", async (HttpContext http, long id, bool? follow, int? replica, string? stream) =>
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

                var filter = new LogFilter(replica, stream, job.Replicas > 1 && replica is null);
                if (follow != true)
                {
                    return Results.Text(logs.Read(id, 0, filter).Text, "text/plain; charset=utf-8");
                }

                return Results.Stream(async body =>
                {
                    var offset = 0L;
                    var cancel = http.RequestAborted;
                    while (!cancel.IsCancellationRequested)
                    {
                        // Look at the state before reading: lines that arrived before the job ended are then all read.
                        var finished = jobs.Get(caller, id) is not { } now || now.State is JobState.Succeeded or JobState.Failed or JobState.Cancelled;
                        var (text, next) = logs.Read(id, offset, filter);
                        offset = next;
                        if (text.Length > 0)
                        {
                            await body.WriteAsync(Encoding.UTF8.GetBytes(text), cancel);
                            await body.FlushAsync(cancel);
                        }

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
