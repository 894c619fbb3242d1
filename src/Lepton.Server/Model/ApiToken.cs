namespace Lepton.Server.Model;

/// <summary>A bearer token, stored as the SHA-256 of its secret.</summary>
internal sealed class ApiToken
{
    public required long Id { get; init; }
    public required string Hash { get; init; }
    public required TokenKind Kind { get; init; }
    public string? Tenant { get; init; }

    /// <summary>For a <see cref="TokenKind.Node"/> credential: the one node it speaks for.</summary>
    public string? Node { get; init; }

    public string? Description { get; init; }
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the token last authenticated a request (in memory at once; persisted at most once a minute); guarded by
    /// <see cref="ControlPlane.ModelLock"/>.</summary>
    public DateTimeOffset? LastUsedAt { get; set; }

    /// <summary>The <see cref="LastUsedAt"/> last written to the store.</summary>
    public DateTimeOffset? PersistedLastUsedAt { get; set; }

    /// <summary>When an admin revoked it (or its node was removed); a revoked token authenticates nothing.</summary>
    public DateTimeOffset? RevokedAt { get; set; }
}
