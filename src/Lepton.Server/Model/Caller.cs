namespace Lepton.Server.Model;

/// <summary>Who is calling: the token's kind and, for a tenant token, its tenant.</summary>
internal sealed record Caller(TokenKind Kind, string? Tenant, long TokenId)
{
    /// <summary>Admins see everything; a tenant sees only its own.</summary>
    public bool MaySee(string tenant) => Kind == TokenKind.Admin || (Kind == TokenKind.Tenant && Tenant == tenant);

    public string Describe() => Kind == TokenKind.Tenant ? $"tenant '{Tenant}'" : Kind.ToString().ToLowerInvariant();
}
