using Lepton.Client.Contracts;
using Lepton.Server.Auth;
using Lepton.Server.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Lepton.Server.Apis;

/// <summary><c>/api/v1/nodes</c> (list, drain, undrain, remove) and the agents' <c>/api/v1/agent</c> endpoints (register, heartbeat, task reports).</summary>
/// <remarks>An agent registers with a join (agent) token and gets back its node's own credential; every later call about
/// the node (heartbeat, task status, logs, registering again) needs that credential, and only for that node.</remarks>
internal static class NodeApi
{
    public static void Map(IEndpointRouteBuilder api, ControlPlane plane, NodeOperations nodes, JobOperations jobs)
    {
        var read = api.MapGroup("/nodes").WithTags("Nodes");
        read.MapGet("/", () => Results.Json(nodes.List(), LeptonJsonContext.Default.ListNodeView))
            .AddEndpointFilter(new CallerFilter(plane, [TokenKind.Tenant, TokenKind.Admin])).Produces<List<NodeView>>();
        read.MapPost("/{name}/drain", async (string name) => Results.Json(await nodes.DrainAsync(name), LeptonJsonContext.Default.NodeView))
            .AddEndpointFilter(new CallerFilter(plane, [TokenKind.Admin])).Produces<NodeView>().ProducesProblem(404);
        read.MapPost("/{name}/undrain", async (string name) => Results.Json(await nodes.UndrainAsync(name), LeptonJsonContext.Default.NodeView))
            .AddEndpointFilter(new CallerFilter(plane, [TokenKind.Admin])).Produces<NodeView>().ProducesProblem(404).ProducesProblem(409);
        read.MapDelete("/{name}", async (string name) =>
        {
            await nodes.RemoveAsync(name);
            return Results.NoContent();
        }).AddEndpointFilter(new CallerFilter(plane, [TokenKind.Admin])).Produces(204).ProducesProblem(404).ProducesProblem(409);

        var agent = api.MapGroup("/agent").WithTags("Agent");
        agent.MapPost("/register", async (HttpContext http) =>
        {
            var registration = await JsonBody.ReadAsync<NodeRegistration>(http.Request);
            return Results.Json(await nodes.RegisterAsync(CallerFilter.Of(http), registration), LeptonJsonContext.Default.NodeRegistered);
        }).AddEndpointFilter(new CallerFilter(plane, [TokenKind.Agent, TokenKind.Node, TokenKind.Admin]))
            .Accepts<NodeRegistration>("application/json").Produces<NodeRegistered>().ProducesProblem(400).ProducesProblem(403).ProducesProblem(409);

        var node = NodeGroup(api, plane);
        node.MapPost("/heartbeat", async (HttpContext http, string name) =>
        {
            var heartbeat = await JsonBody.ReadAsync<Heartbeat>(http.Request);
            return Results.Json(await nodes.HeartbeatAsync(name, heartbeat), LeptonJsonContext.Default.HeartbeatResponse);
        }).Accepts<Heartbeat>("application/json").Produces<HeartbeatResponse>().ProducesProblem(403);

        node.MapPost("/tasks/{taskId:long}/status", async (HttpContext http, string name, long taskId) =>
        {
            var report = await JsonBody.ReadAsync<TaskStatusReport>(http.Request);
            await jobs.ReportAsync(name, taskId, report);
            return Results.NoContent();
        }).Accepts<TaskStatusReport>("application/json").Produces(204).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
    }

    /// <summary>The group the log upload endpoint joins: the same node-credential checks as heartbeats and reports.</summary>
    public static RouteGroupBuilder NodeGroup(IEndpointRouteBuilder api, ControlPlane plane) =>
        api.MapGroup("/agent/nodes/{name}").WithTags("Agent")
            .AddEndpointFilter(new CallerFilter(plane, [TokenKind.Node]))
            .AddEndpointFilter(new NodeRouteFilter());
}
