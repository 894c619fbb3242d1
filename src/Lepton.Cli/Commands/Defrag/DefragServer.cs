using Lepton.Cli.Connection;
using Lepton.Cli.Output;
using Lepton.Client.Contracts;
using Lepton.Core.Placement.Consolidation;

namespace Lepton.Cli.Commands.Defrag;

/// <summary><c>lepton defrag</c> against the server: <c>GET /api/v1/cluster/consolidation</c>, or with <c>--apply</c> its POST
/// (admin), which requeues the moved jobs through the preemption path.</summary>
internal static class DefragServer
{
    /// <summary>Runs the server mode.</summary>
    public static Task<int> RunAsync(ConsolidationGoal goal, int maxMoves, bool apply, bool json, CancellationToken cancellationToken) =>
        CliConnection.RunAsync(async client =>
        {
            var name = goal == ConsolidationGoal.Nodes ? "nodes" : "gpus";
            var plan = apply
                ? await client.ApplyConsolidationAsync(name, maxMoves, cancellationToken)
                : await client.GetConsolidationAsync(name, maxMoves, cancellationToken);
            if (json)
            {
                Terminal.WriteJson(plan);
                return 0;
            }

            DefragView.Write(ToView(plan));
            return 0;
        }, cancellationToken);

    private static DefragView ToView(ConsolidationView plan) => new(
        plan.Goal,
        plan.MaxMoves,
        [.. plan.Moves.Select(m => new DefragView.Move(m.JobId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            $"job {m.JobId}", m.FromNode, m.FromGpus, m.ToNode, m.ToGpus))],
        plan.FreeGpusBefore, plan.FreeGpusAfter, plan.FreeNodesBefore, plan.FreeNodesAfter, plan.Source, plan.Note, plan.Applied);
}
