using Lepton.Client.Contracts;
using Lepton.Server.Auth;
using Lepton.Server.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Lepton.Server.Apis;

/// <summary><c>/api/v1/jobs</c>: submit, list, get, cancel.</summary>
internal static class JobApi
{
    public static void Map(IEndpointRouteBuilder api, ControlPlane plane, JobOperations jobs)
    {
        var group = api.MapGroup("/jobs").AddEndpointFilter(new CallerFilter(plane, [TokenKind.Tenant, TokenKind.Admin])).WithTags("Jobs");

        group.MapPost("/", async (HttpContext http) =>
        {
            var caller = CallerFilter.Of(http);
            if (caller.Kind != TokenKind.Tenant)
            {
                throw new ApiException(403, "Forbidden", "jobs are submitted with a tenant token; the admin token acts for no tenant");
            }

            var submission = await JsonBody.ReadAsync<JobSubmission>(http.Request);
            var view = await jobs.SubmitAsync(caller.Tenant!, submission);
            return Results.Json(view, LeptonJsonContext.Default.JobView, statusCode: 201);
        }).Accepts<JobSubmission>("application/json").Produces<JobView>(201).ProducesProblem(400).ProducesProblem(422);

        group.MapGet("/", (HttpContext http, string? state) =>
        {
            JobState? filter = null;
            if (!string.IsNullOrEmpty(state))
            {
                filter = Enum.TryParse<JobState>(state, ignoreCase: true, out var s) && Enum.IsDefined(s)
                    ? s
                    : throw ApiException.BadField("state", $"must be one of {string.Join(", ", Enum.GetNames<JobState>())}");
            }

            return Results.Json(jobs.List(CallerFilter.Of(http), filter), LeptonJsonContext.Default.ListJobView);
        }).Produces<List<JobView>>();

        group.MapGet("/{id:long}", (HttpContext http, long id) =>
            jobs.Get(CallerFilter.Of(http), id) is { } view
                ? Results.Json(view, LeptonJsonContext.Default.JobView)
                : throw ApiException.NotFound($"job {id}")).Produces<JobView>().ProducesProblem(404);

        group.MapPost("/{id:long}/cancel", async (HttpContext http, long id) =>
            Results.Json(await jobs.CancelAsync(CallerFilter.Of(http), id), LeptonJsonContext.Default.JobView))
            .Produces<JobView>().ProducesProblem(404).ProducesProblem(409);
    }
}
