namespace Lepton.Client.Contracts;

/// <summary>Body of <c>POST /api/v1/tokens</c> (admin).</summary>
public sealed record TokenCreate
{
    /// <summary><c>tenant</c>, <c>agent</c> or <c>admin</c>.</summary>
    public string Kind { get; set; } = "tenant";

    /// <summary>Tenant the token acts for; required when <see cref="Kind"/> is <c>tenant</c>.</summary>
    public string? Tenant { get; set; }

    /// <summary>Optional note (who or what holds it).</summary>
    public string? Description { get; set; }
}

/// <summary>A token as the API returns it; <see cref="Token"/> is only present in the response that created it.</summary>
public sealed record TokenView
{
    /// <summary>Token id (not secret).</summary>
    public long Id { get; set; }

    /// <summary><c>tenant</c>, <c>agent</c> (a join token), <c>node</c> (one node's credential) or <c>admin</c>.</summary>
    public string Kind { get; set; } = "";

    /// <summary>Tenant, for tenant tokens.</summary>
    public string? Tenant { get; set; }

    /// <summary>Node, for node credentials.</summary>
    public string? Node { get; set; }

    /// <summary>Note.</summary>
    public string? Description { get; set; }

    /// <summary>The secret bearer token, shown once at creation; null afterwards.</summary>
    public string? Token { get; set; }

    /// <summary>When it was created.</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When it last authenticated a request (to within a minute after a restart); null if never.</summary>
    public DateTimeOffset? LastUsedAt { get; set; }

    /// <summary>When it was revoked; null while it is valid.</summary>
    public DateTimeOffset? RevokedAt { get; set; }
}
