namespace Lepton.Server.Model;

/// <summary>Who is calling: the token's kind, for a tenant token its tenant, for a node credential its node.</summary>
internal sealed record Caller(TokenKind Kind, string? Tenant, long TokenId, string? Node = null)
{
    /// <summary>Admins see everything; a tenant sees only its own.</summary>
    public bool MaySee(string tenant) => Kind == TokenKind.Admin || (Kind == TokenKind.Tenant && Tenant == tenant);

    public string Describe() => Kind switch
    {
        TokenKind.Tenant => $"tenant '{Tenant}'",
        TokenKind.Node => $"node '{Node}'",
        _ => Kind.ToString().ToLowerInvariant(),
    };
}
