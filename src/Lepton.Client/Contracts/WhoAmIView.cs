namespace Lepton.Client.Contracts;

/// <summary>What <c>GET /api/v1/whoami</c> says about the calling token: its kind and, for a tenant token, the tenant.</summary>
public sealed record WhoAmIView
{
    /// <summary><c>admin</c>, <c>tenant</c>, <c>agent</c> or <c>metrics</c>.</summary>
    public string Kind { get; set; } = "";

    /// <summary>The tenant of a tenant token; null otherwise.</summary>
    public string? Tenant { get; set; }

    /// <summary>The token's id (as token lists show it).</summary>
    public long TokenId { get; set; }

    /// <summary>The description given when the token was created, if any.</summary>
    public string? Description { get; set; }
}
