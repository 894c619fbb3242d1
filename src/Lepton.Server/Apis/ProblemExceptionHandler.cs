using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging;

namespace Lepton.Server.Apis;

/// <summary>Turns every exception into a problem-details response: <see cref="ApiException"/> with its status, a bad request
/// with 400, anything else with 500 (logged: it is a bug to fix).</summary>
internal sealed class ProblemExceptionHandler(ILogger<ProblemExceptionHandler> log) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        IResult result = exception switch
        {
            ApiException e => Results.Problem(
                statusCode: e.Status,
                title: e.Title,
                detail: e.Message,
                extensions: e.Field is null ? null : new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { [e.Field] = [e.Message] } }),
            BadHttpRequestException e => Results.Problem(statusCode: e.StatusCode, title: "Bad request", detail: e.Message),
            OperationCanceledException when httpContext.RequestAborted.IsCancellationRequested => Results.Empty,
            _ => Unexpected(exception),
        };
        await result.ExecuteAsync(httpContext);
        return true;
    }

    private ProblemHttpResult Unexpected(Exception exception)
    {
        log.LogError(exception, "unhandled exception");
        return TypedResults.Problem(statusCode: 500, title: "Internal error", detail: "the server failed to handle the request; see its log");
    }
}
