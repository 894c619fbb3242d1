namespace Lepton.Core.Topology;

/// <summary>Where an inference job's users are and the latency they tolerate (<c>latency: {users: eu, budgetMs: 20}</c>).</summary>
/// <param name="Users">The users' location: a label value of some topology level (<c>eu</c>) or <c>level=value</c>.</param>
/// <param name="BudgetMs">Most one-way latency from the users to the node, in milliseconds.</param>
public sealed record LatencyRequirement(string Users, double BudgetMs);
