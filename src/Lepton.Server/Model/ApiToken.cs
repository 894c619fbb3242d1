namespace Lepton.Server.Model;

/// <summary>A bearer token, stored as the SHA-256 of its secret.</summary>
internal sealed class ApiToken
{
    public required long Id { get; init; }
    public required string Hash { get; init; }
    public required TokenKind Kind { get; init; }
    public string? Tenant { get; init; }
    public string? Description { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
}
