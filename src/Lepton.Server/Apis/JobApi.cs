using Lepton.Client.Contracts;
using Lepton.Server.Auth;
using Lepton.Server.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;

namespace Lepton.Server.Apis;

/// <summary><c>/api/v1/jobs</c>: submit (idempotent with an <c>Idempotency-Key</c>), list (paged), summary, get, cancel.</summary>
internal static class JobApi
{
    /// <summary>Jobs per page when the request gives no <c>limit</c>.</summary>
    public const int DefaultPageSize = 100;

    /// <summary>The largest <c>limit</c> accepted.</summary>
    public const int MaxPageSize = 1000;

    /// <summary>The most a job submission body may hold; the per-field limits of <see cref="JobSubmissionValidator"/> fit well inside.</summary>
    public const long MaxSubmissionBytes = 1024 * 1024;

    /// <summary>The longest <c>Idempotency-Key</c> accepted.</summary>
    public const int MaxIdempotencyKeyLength = 255;

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

            var key = IdempotencyKey(http.Request);
            if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            {
                // A job spec is small; refusing a huge body before reading it keeps memory flat (413).
                size.MaxRequestBodySize = MaxSubmissionBytes;
            }

            var submission = await JsonBody.ReadAsync<JobSubmission>(http.Request);
            var (view, replayed) = await jobs.SubmitAsync(caller.Tenant!, submission, key);
            if (replayed)
            {
                http.Response.Headers["Idempotent-Replayed"] = "true";
            }

            return Results.Json(view, LeptonJsonContext.Default.JobView, statusCode: 201);
        }).Accepts<JobSubmission>("application/json").Produces<JobView>(201).ProducesProblem(400).ProducesProblem(413).ProducesProblem(422);

        group.MapGet("/", (HttpContext http, string? state, int? limit, long? after, string? order) =>
        {
            var states = ParseStates(state);
            var size = limit ?? DefaultPageSize;
            if (size is < 1 or > MaxPageSize)
            {
                throw ApiException.BadField("limit", $"must be between 1 and {MaxPageSize} (got {size})");
            }

            var newestFirst = order switch
            {
                null or "" or "asc" => false,
                "desc" => true,
                _ => throw ApiException.BadField("order", "must be asc (oldest first, the default) or desc (newest first)"),
            };
            if (after is < 0)
            {
                throw ApiException.BadField("after", "must be a job id (0 or more)");
            }

            var (page, more) = jobs.Page(CallerFilter.Of(http), states, newestFirst, after, size);
            if (more)
            {
                // RFC 8288 paging, as GitHub does: the body stays a plain array, so callers of the unpaged API keep working.
                var next = $"/api/v1/jobs?limit={size}&after={page[^1].Id}"
                    + (newestFirst ? "&order=desc" : "")
                    + (string.IsNullOrEmpty(state) ? "" : "&state=" + Uri.EscapeDataString(state));
                http.Response.Headers.Link = $"<{next}>; rel=\"next\"";
            }

            return Results.Json(page, LeptonJsonContext.Default.ListJobView);
        }).Produces<List<JobView>>().ProducesProblem(400);

        group.MapGet("/summary", (HttpContext http) => Results.Json(jobs.Summary(CallerFilter.Of(http)), LeptonJsonContext.Default.JobSummary))
            .Produces<JobSummary>();

        group.MapGet("/{id:long}", (HttpContext http, long id) =>
            jobs.Get(CallerFilter.Of(http), id) is { } view
                ? Results.Json(view, LeptonJsonContext.Default.JobView)
                : throw ApiException.NotFound($"job {id}")).Produces<JobView>().ProducesProblem(404);

        group.MapPost("/{id:long}/cancel", async (HttpContext http, long id) =>
            Results.Json(await jobs.CancelAsync(CallerFilter.Of(http), id), LeptonJsonContext.Default.JobView))
            .Produces<JobView>().ProducesProblem(404).ProducesProblem(409);
    }

    /// <summary>The request's <c>Idempotency-Key</c>: null when absent; 400 when empty, repeated, too long or not printable ASCII.</summary>
    private static string? IdempotencyKey(HttpRequest request)
    {
        var values = request.Headers["Idempotency-Key"];
        if (values.Count == 0)
        {
            return null;
        }

        var key = values.Count == 1 ? values[0] : null;
        // A comma would mean two keys folded into one header line.
        if (string.IsNullOrWhiteSpace(key) || key.Length > MaxIdempotencyKeyLength || key.Any(c => c is < ' ' or > '~' or ','))
        {
            throw ApiException.BadField("Idempotency-Key", $"must be one header of 1..{MaxIdempotencyKeyLength} printable ASCII characters without ',' (a UUID is a good key)");
        }

        return key;
    }

    /// <summary>Parses <c>state</c>: one state or a comma-separated list (case-insensitive).</summary>
    private static JobState[]? ParseStates(string? state)
    {
        if (string.IsNullOrEmpty(state))
        {
            return null;
        }

        var names = state.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var states = new JobState[names.Length];
        for (var i = 0; i < names.Length; i++)
        {
            states[i] = Enum.TryParse<JobState>(names[i], ignoreCase: true, out var s) && Enum.IsDefined(s) && !int.TryParse(names[i], out _)
                ? s
                : throw ApiException.BadField("state", $"must be one of {string.Join(", ", Enum.GetNames<JobState>())}, or several separated by commas");
        }

        return states;
    }
}
