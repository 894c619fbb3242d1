namespace Lepton.Server.Apis;

/// <summary>A request the API refuses: becomes an RFC 7807 problem response with <see cref="Status"/>, naming <see cref="Field"/> when there is one.</summary>
internal sealed class ApiException(int status, string title, string detail, string? field = null) : Exception(detail)
{
    public int Status { get; } = status;
    public string Title { get; } = title;
    public string? Field { get; } = field;

    public static ApiException BadField(string field, string detail) => new(400, "Invalid request", $"{field}: {detail}", field);

    public static ApiException NotFound(string what) => new(404, "Not found", $"{what} not found");
}
