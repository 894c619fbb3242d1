using Lepton.Client.Contracts;
using Lepton.Server.Auth;
using Lepton.Server.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Lepton.Server.Apis;

/// <summary><c>GET /api/v1/whoami</c>: the calling token's kind and tenant, for any valid token (<c>lepton whoami</c>, and
/// CLI errors that say which token was refused).</summary>
internal static class WhoAmIApi
{
    public static void Map(IEndpointRouteBuilder api, ControlPlane plane)
    {
        api.MapGet("/whoami", (HttpContext http) =>
        {
            var caller = CallerFilter.Of(http);
            string? description;
            lock (plane.Gate)
            {
                description = plane.TokensByHash.Values.FirstOrDefault(t => t.Id == caller.TokenId)?.Description;
            }

            return Results.Json(new WhoAmIView
            {
                Kind = caller.Kind.ToString().ToLowerInvariant(),
                Tenant = caller.Tenant,
                TokenId = caller.TokenId,
                Description = description,
            }, LeptonJsonContext.Default.WhoAmIView);
        }).AddEndpointFilter(new CallerFilter(plane, Enum.GetValues<TokenKind>())).WithTags("Auth").Produces<WhoAmIView>();
    }
}
