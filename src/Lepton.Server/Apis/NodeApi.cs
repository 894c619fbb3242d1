using Lepton.Client.Contracts;
using Lepton.Server.Auth;
using Lepton.Server.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Lepton.Server.Apis;

/// <summary><c>/api/v1/nodes</c> (list, drain) and the agents' <c>/api/v1/agent</c> endpoints (register, heartbeat, task reports).</summary>
internal static class NodeApi
{
    public static void Map(IEndpointRouteBuilder api, ControlPlane plane, NodeOperations nodes, JobOperations jobs)
    {
        var read = api.MapGroup("/nodes").WithTags("Nodes");
        read.MapGet("/", () => Results.Json(nodes.List(), LeptonJsonContext.Default.ListNodeView))
            .AddEndpointFilter(new CallerFilter(plane, [TokenKind.Tenant, TokenKind.Admin])).Produces<List<NodeView>>();
        read.MapPost("/{name}/drain", async (string name) => Results.Json(await nodes.DrainAsync(name), LeptonJsonContext.Default.NodeView))
            .AddEndpointFilter(new CallerFilter(plane, [TokenKind.Admin])).Produces<NodeView>().ProducesProblem(404);

        var agent = api.MapGroup("/agent").WithTags("Agent").AddEndpointFilter(new CallerFilter(plane, [TokenKind.Agent, TokenKind.Admin]));
        agent.MapPost("/register", async (HttpContext http) =>
        {
            var registration = await JsonBody.ReadAsync<NodeRegistration>(http.Request);
            return Results.Json(await nodes.RegisterAsync(registration), LeptonJsonContext.Default.NodeRegistered);
        }).Accepts<NodeRegistration>("application/json").Produces<NodeRegistered>().ProducesProblem(400);

        agent.MapPost("/nodes/{name}/heartbeat", async (HttpContext http, string name) =>
        {
            var heartbeat = await JsonBody.ReadAsync<Heartbeat>(http.Request);
            return Results.Json(await nodes.HeartbeatAsync(name, heartbeat), LeptonJsonContext.Default.HeartbeatResponse);
        }).Accepts<Heartbeat>("application/json").Produces<HeartbeatResponse>();

        agent.MapPost("/nodes/{name}/tasks/{taskId:long}/status", async (HttpContext http, string name, long taskId) =>
        {
            var report = await JsonBody.ReadAsync<TaskStatusReport>(http.Request);
            await jobs.ReportAsync(name, taskId, report);
            return Results.NoContent();
        }).Accepts<TaskStatusReport>("application/json").Produces(204).ProducesProblem(404);
    }
}
