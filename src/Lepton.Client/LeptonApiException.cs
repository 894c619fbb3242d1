using System.Net;

namespace Lepton.Client;

/// <summary>The server answered with an error: the HTTP status and the RFC 7807 problem details it sent.</summary>
/// <remarks>The message is the server's own words (its detail, or its title), followed by the field errors when the
/// detail does not already name them, so that printing <see cref="Exception.Message"/> is enough for a user.</remarks>
public sealed class LeptonApiException : Exception
{
    /// <summary>Creates the exception from a problem-details response.</summary>
    public LeptonApiException(HttpStatusCode status, string? title, string? detail, IReadOnlyDictionary<string, string[]>? errors = null, string? type = null)
        : base(Format(status, title, detail, errors))
    {
        Status = status;
        Title = title;
        Detail = detail;
        Errors = errors ?? new Dictionary<string, string[]>();
        Type = type;
    }

    /// <summary>HTTP status code of the response.</summary>
    public HttpStatusCode Status { get; }

    /// <summary>Problem title (a short summary), when the server sent one.</summary>
    public string? Title { get; }

    /// <summary>Problem detail (what went wrong, naming the field), when the server sent one.</summary>
    public string? Detail { get; }

    /// <summary>Field errors by field path (e.g. <c>resources.cpuMilli</c>); empty when none.</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; }

    /// <summary>Problem type URI, when the server sent one.</summary>
    public string? Type { get; }

    private static string Format(HttpStatusCode status, string? title, string? detail, IReadOnlyDictionary<string, string[]>? errors)
    {
        var text = !string.IsNullOrWhiteSpace(detail) ? detail.Trim()
            : !string.IsNullOrWhiteSpace(title) ? title.Trim()
            : $"HTTP {(int)status} {status}";
        if (errors is { Count: > 0 })
        {
            var missing = errors
                .Where(e => !text.Contains(e.Key, StringComparison.OrdinalIgnoreCase))
                .Select(e => $"{e.Key}: {string.Join("; ", e.Value)}")
                .ToList();
            if (missing.Count > 0)
            {
                text = $"{text.TrimEnd('.')} ({string.Join(", ", missing)})";
            }
        }

        return text;
    }
}
