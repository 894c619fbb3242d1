using Lepton.Client;
using Lepton.Server.Auth;
using Lepton.Server.Insights;
using Lepton.Server.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Lepton.Server.Apis;

/// <summary>Read models for people: <c>GET /api/v1/jobs/{id}/explain</c> and <c>GET /api/v1/cluster/utilization</c>.</summary>
internal static class InsightsApi
{
    public static void Map(IEndpointRouteBuilder api, ControlPlane plane, JobExplainer explainer, UtilizationRecorder utilization)
    {
        var readers = new CallerFilter(plane, [TokenKind.Tenant, TokenKind.Admin]);

        api.MapGet("/jobs/{id:long}/explain", (HttpContext http, long id) =>
            explainer.Explain(CallerFilter.Of(http), id) is { } explanation
                ? Results.Json(explanation, ClientJsonContext.Default.JobExplanation)
                : throw ApiException.NotFound($"job {id}"))
            .AddEndpointFilter(readers).WithTags("Jobs").Produces<Lepton.Client.Insights.JobExplanation>().ProducesProblem(404);

        api.MapGet("/cluster/utilization", () => Results.Json(utilization.History(), ClientJsonContext.Default.UtilizationHistory))
            .AddEndpointFilter(readers).WithTags("Cluster").Produces<Lepton.Client.Insights.UtilizationHistory>();
    }
}
