using Lepton.Core.Placement.Consolidation;

namespace Lepton.Cli.Commands.Defrag;

/// <summary><c>lepton defrag</c> against the server: <c>GET /api/v1/cluster/consolidation</c>, or with <c>--apply</c> its POST.</summary>
internal static class DefragServer
{
    /// <summary>Runs the server mode.</summary>
    public static Task<int> RunAsync(ConsolidationGoal goal, int maxMoves, bool apply, bool json, CancellationToken cancellationToken) =>
        throw new CliError("lepton defrag against a server is not available yet; use --nodes and --tasks for an offline plan", 2);
}
