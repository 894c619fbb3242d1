namespace Lepton.Server.Model;

/// <summary>What a token may do: admin (everything), tenant (its own jobs), agent (join: register a new node),
/// node (one node's own heartbeats, task reports and logs), metrics (read <c>/metrics</c> only, for a Prometheus scraper).</summary>
/// <remarks>An agent token is a join token: it only registers nodes, and each registration of a new node returns a
/// <see cref="Node"/> credential bound to that node's name. Only that credential may then speak for the node.</remarks>
internal enum TokenKind
{
    Admin,
    Tenant,
    Agent,
    Node,
    Metrics,
}
