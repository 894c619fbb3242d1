namespace Lepton.Client.Contracts;

/// <summary>An RFC 7807 problem-details body, as every 4xx/5xx response of the API carries.</summary>
/// <remarks>For a bad field, <see cref="Errors"/> maps the JSON path of the field (e.g. <c>resources.cpuMilli</c>) to messages,
/// and <see cref="Detail"/> names it in words.</remarks>
public sealed record ApiProblem
{
    /// <summary>Problem type URI.</summary>
    public string? Type { get; set; }

    /// <summary>Short summary.</summary>
    public string? Title { get; set; }

    /// <summary>HTTP status.</summary>
    public int? Status { get; set; }

    /// <summary>What went wrong, naming the field.</summary>
    public string? Detail { get; set; }

    /// <summary>Request path.</summary>
    public string? Instance { get; set; }

    /// <summary>Field errors by field path.</summary>
    public IReadOnlyDictionary<string, string[]>? Errors { get; set; }
}
