namespace Lepton.Server.Model;

/// <summary>What a token may do: admin (everything), tenant (its own jobs), agent (register, heartbeat, report),
/// metrics (read <c>/metrics</c> only, for a Prometheus scraper).</summary>
internal enum TokenKind
{
    Admin,
    Tenant,
    Agent,
    Metrics,
}
