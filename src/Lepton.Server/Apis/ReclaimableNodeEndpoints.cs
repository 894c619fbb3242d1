using Lepton.Client.Contracts;
using Lepton.Server.Auth;
using Lepton.Server.Model;
using Lepton.Server.Reclaim;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Lepton.Server.Apis;

/// <summary><c>GET /api/v1/nodes/reclaimable</c>: nodes idle past the threshold, with the price and idle power they would save.</summary>
internal static class ReclaimableNodeEndpoints
{
    public static void Map(IEndpointRouteBuilder api, ControlPlane plane, ReclaimTracker tracker) =>
        api.MapGroup("/nodes").WithTags("Nodes").AddEndpointFilter(new CallerFilter(plane, [TokenKind.Tenant, TokenKind.Admin]))
            .MapGet("/reclaimable", () => Results.Json(tracker.Report(), LeptonJsonContext.Default.ReclaimableNodes))
            .Produces<ReclaimableNodes>();
}
