using System.Globalization;
using System.Text.Json;
using Lepton.Core.Cluster;
using Lepton.Core.Placement.Consolidation;
using Spectre.Console;

namespace Lepton.Cli.Commands.Defrag;

/// <summary>A consolidation plan as the CLI shows it: moves by node name and what they free.</summary>
internal sealed record DefragView(string Goal, int MaxMoves, IReadOnlyList<DefragView.Move> Moves, int FreeGpusBefore, int FreeGpusAfter,
    int FreeNodesBefore, int FreeNodesAfter, string Source, string Note, bool Applied)
{
    /// <summary>JSON options: camelCase, indented.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>One move.</summary>
    internal sealed record Move(string Id, string Task, string FromNode, IReadOnlyList<int> FromGpus, string ToNode, IReadOnlyList<int> ToGpus);

    /// <summary>Whole GPUs (or nodes, for that goal) freed per move.</summary>
    public double FreedPerMove => Moves.Count == 0 ? 0
        : (double)(Goal == "nodes" ? FreeNodesAfter - FreeNodesBefore : FreeGpusAfter - FreeGpusBefore) / Moves.Count;

    /// <summary>Builds the view of a plan computed on <paramref name="cluster"/>.</summary>
    public static DefragView From(ConsolidationPlan plan, ConsolidationGoal goal, ClusterState cluster, IReadOnlyList<MovableTask> movable) => new(
        goal == ConsolidationGoal.Nodes ? "nodes" : "gpus",
        0,
        [.. plan.Moves.Select(m => new Move(m.Id, movable[m.Task].Task.Name, cluster.NodeAt(m.From.Node).Name, m.From.Gpus.ToArray(),
            cluster.NodeAt(m.To.Node).Name, m.To.Gpus.ToArray()))],
        plan.FreeGpusBefore, plan.FreeGpusAfter, plan.FreeNodesBefore, plan.FreeNodesAfter, plan.Source, plan.Note, false);

    /// <summary>Prints the moves and a summary line.</summary>
    public static void Write(DefragView view)
    {
        var console = Output.Terminal.Create();
        if (view.Moves.Count > 0)
        {
            var table = new Table().Border(TableBorder.Rounded).AddColumn("Task").AddColumn("From").AddColumn("To");
            foreach (var m in view.Moves)
            {
                table.AddRow(Markup.Escape(m.Task), Markup.Escape(Where(m.FromNode, m.FromGpus)), Markup.Escape(Where(m.ToNode, m.ToGpus)));
            }

            console.Write(table);
        }

        var freed = view.Goal == "nodes" ? view.FreeNodesAfter - view.FreeNodesBefore : view.FreeGpusAfter - view.FreeGpusBefore;
        var unit = view.Goal == "nodes" ? "node(s)" : "GPU(s)";
        var tail = view.Applied ? "; applied: the moved jobs are requeued." : ".";
        console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"{view.Moves.Count} move(s) free {freed} whole {unit} ({view.FreedPerMove:0.##} per move): free GPUs {view.FreeGpusBefore} -> {view.FreeGpusAfter}, free nodes {view.FreeNodesBefore} -> {view.FreeNodesAfter}{tail}")));
    }

    private static string Where(string node, IReadOnlyList<int> gpus) => gpus.Count == 0 ? node : $"{node} [{string.Join(",", gpus)}]";
}
