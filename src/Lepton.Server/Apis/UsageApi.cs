using System.Globalization;
using Lepton.Client.Contracts;
using Lepton.Server.Auth;
using Lepton.Server.Energy;
using Lepton.Server.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Lepton.Server.Apis;

/// <summary><c>GET /api/v1/usage?from=&amp;to=&amp;tenant=</c> (GPU-hours, CPU-hours, energy, cost, value and profit per tenant,
/// job and node) and <c>GET /api/v1/usage/power</c> (power now). A tenant sees only its own usage and no nodes.</summary>
internal static class UsageApi
{
    public static void Map(IEndpointRouteBuilder api, ControlPlane plane, EnergyAccountant accountant, Power.PowerController? power = null)
    {
        var readers = new CallerFilter(plane, [TokenKind.Tenant, TokenKind.Admin]);
        var group = api.MapGroup("/usage").WithTags("Usage").AddEndpointFilter(readers);
        group.MapGet("/", (HttpContext http) =>
        {
            var caller = CallerFilter.Of(http);
            var query = http.Request.Query;
            var from = Time(query["from"], "from") ?? DateTimeOffset.UnixEpoch;
            var to = Time(query["to"], "to") ?? plane.Time.GetUtcNow().AddSeconds(EnergyLedger.BucketSeconds);
            if (to <= from)
            {
                throw ApiException.BadField("to", "must be later than from");
            }

            var tenant = caller.Kind == TokenKind.Tenant ? caller.Tenant : (string?)query["tenant"] is { Length: > 0 } named ? named : null;
            return Results.Json(accountant.Report(from, to, tenant), LeptonJsonContext.Default.UsageReport);
        }).Produces<UsageReport>().ProducesProblem(400);

        group.MapGet("/power", (HttpContext http) =>
        {
            var caller = CallerFilter.Of(http);
            var now = accountant.Now(caller.Kind == TokenKind.Tenant ? caller.Tenant : null);
            if (caller.Kind == TokenKind.Admin && power is not null)
            {
                now = now with { Events = power.Events() };
            }

            return Results.Json(now, LeptonJsonContext.Default.PowerNow);
        }).Produces<PowerNow>();
    }

    private static DateTimeOffset? Time(string? text, string field)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        if (text.Length > 64 || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            throw ApiException.BadField(field, "must be a date and time such as 2026-11-30T14:00:00Z or 2026-11-30");
        }

        return time;
    }
}
