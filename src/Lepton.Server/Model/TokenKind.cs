namespace Lepton.Server.Model;

/// <summary>What a token may do: admin (everything), tenant (its own jobs), agent (register, heartbeat, report).</summary>
internal enum TokenKind
{
    Admin,
    Tenant,
    Agent,
}
