using Lepton.Client.Contracts;
using Lepton.Server.Auth;
using Lepton.Server.Insights;
using Lepton.Server.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Lepton.Server.Apis;

/// <summary><c>GET /api/v1/jobs/{id}/eta</c> and <c>POST /api/v1/jobs/whatif</c>: when a queued (or hypothetical) job
/// would start, where, behind and instead of which jobs.</summary>
internal static class EtaApi
{
    public static void Map(IEndpointRouteBuilder api, ControlPlane plane, JobEtaService eta)
    {
        var readers = new CallerFilter(plane, [TokenKind.Tenant, TokenKind.Admin]);

        api.MapGet("/jobs/{id:long}/eta", (HttpContext http, long id) =>
            eta.Eta(CallerFilter.Of(http), id) is { } view
                ? Results.Json(view, LeptonJsonContext.Default.JobEtaView)
                : throw ApiException.NotFound($"job {id}"))
            .AddEndpointFilter(readers).WithTags("Jobs").Produces<JobEtaView>().ProducesProblem(404);

        api.MapPost("/jobs/whatif", async (HttpContext http) =>
        {
            var caller = CallerFilter.Of(http);
            if (caller.Kind != TokenKind.Tenant)
            {
                throw new ApiException(403, "Forbidden", "a what-if submission is for a tenant: use a tenant token");
            }

            var submission = await JsonBody.ReadAsync<JobSubmission>(http.Request);
            JobSubmissionValidator.Validate(submission);
            var job = Job.Submitted(0, caller.Tenant!, submission, plane.Time.GetUtcNow());
            return Results.Json(eta.WhatIf(caller, job), LeptonJsonContext.Default.JobEtaView);
        }).AddEndpointFilter(readers).WithTags("Jobs").Accepts<JobSubmission>("application/json").Produces<JobEtaView>().ProducesProblem(400).ProducesProblem(403);
    }
}
