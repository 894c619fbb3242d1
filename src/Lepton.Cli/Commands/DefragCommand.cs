using System.CommandLine;
using System.Text.Json;
using Lepton.Cli.Commands.Defrag;
using Lepton.Cli.Commands.Place;
using Lepton.Core.Cluster;
using Lepton.Core.Placement;
using Lepton.Core.Placement.Consolidation;

namespace Lepton.Cli.Commands;

/// <summary><c>lepton defrag</c>: the fewest moves of preemptible tasks that free the most whole GPUs (or nodes), within a cap;
/// on the server (plan, or <c>--apply</c> as an admin), or offline on files (<c>--nodes</c>/<c>--tasks</c> placed by a policy first).</summary>
internal sealed class DefragCommand : ICliCommand
{
    /// <inheritdoc/>
    public Command Build()
    {
        var goal = new Option<string>("--goal") { Description = "What to free: gpus (whole GPUs) or nodes (whole nodes, for power-down).", DefaultValueFactory = _ => "gpus" };
        var maxMoves = new Option<int>("--max-moves") { Description = "Most tasks moved.", DefaultValueFactory = _ => 10 };
        var apply = new Option<bool>("--apply") { Description = "Server only (admin): requeue the moved jobs through the preemption path." };
        var nodes = new Option<string>("--nodes") { Description = "Offline: node file (openb CSV or Lepton YAML); with --tasks, plans on a local placement instead of the server." };
        var tasks = new Option<string>("--tasks") { Description = "Offline: task file, placed first with --policy (file order, more important first)." };
        var policy = new Option<string>("--policy") { Description = "Offline: the policy that places --tasks first.", DefaultValueFactory = _ => "fgd" };
        var movable = new Option<string>("--movable") { Description = "Offline: which placed tasks may move: preemptible (default) or all.", DefaultValueFactory = _ => "preemptible" };
        var json = new Option<bool>("--json") { Description = "Print the plan as JSON." };
        var command = new Command("defrag", "Plan (and with --apply, run) the fewest moves of preemptible tasks that free the most whole GPUs or nodes.")
        {
            goal, maxMoves, apply, nodes, tasks, policy, movable, json,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var goalValue = ParseGoal(parse.GetValue(goal)!);
            var cap = parse.GetValue(maxMoves);
            if (cap is < 0 or > 100_000)
            {
                throw new CliError("--max-moves must be in 0..100000", 2);
            }

            if (parse.GetValue(nodes) is { } nodesPath)
            {
                if (parse.GetValue(apply))
                {
                    throw new CliError("--apply moves jobs on a server; it cannot be used with --nodes/--tasks", 2);
                }

                var tasksPath = parse.GetValue(tasks) ?? throw new CliError("--nodes needs --tasks (the tasks to place before planning)", 2);
                return Task.FromResult(Offline(nodesPath, tasksPath, parse.GetValue(policy)!, parse.GetValue(movable)!, goalValue, cap, parse.GetValue(json)));
            }

            return DefragServer.RunAsync(goalValue, cap, parse.GetValue(apply), parse.GetValue(json), cancellationToken);
        });
        return command;
    }

    internal static ConsolidationGoal ParseGoal(string text) => text.Trim().ToLowerInvariant() switch
    {
        "gpus" or "gpu" => ConsolidationGoal.Gpus,
        "nodes" or "node" => ConsolidationGoal.Nodes,
        _ => throw new CliError($"--goal: unknown goal '{text}'; valid: gpus, nodes", 2),
    };

    private static int Offline(string nodesPath, string tasksPath, string policyName, string movable, ConsolidationGoal goal, int cap, bool json)
    {
        if (!PolicyRegistry.TryGet(policyName, out _))
        {
            throw new CliError($"--policy: unknown policy '{policyName}'; valid: {string.Join(", ", PolicyRegistry.Names)}", 2);
        }

        var all = movable.Trim().ToLowerInvariant() switch
        {
            "all" => true,
            "preemptible" => false,
            _ => throw new CliError($"--movable: '{movable}' is not one of preemptible, all", 2),
        };
        var nodeSpecs = PlacementInput.ReadNodes(nodesPath);
        var taskList = PlacementInput.ReadTasks(tasksPath);
        var scheduler = new Scheduler(policyName);
        foreach (var node in nodeSpecs)
        {
            scheduler.AddNode(node);
        }

        foreach (var task in taskList)
        {
            scheduler.AddTask(task);
        }

        var placed = scheduler.Schedule();
        var cluster = new ClusterState(nodeSpecs);
        var candidates = new List<MovableTask>();
        foreach (var p in placed.Placements.Where(p => p.IsPlaced))
        {
            var at = new NodePlacement(cluster.IndexOf(p.Node!), GpuSet.Of([.. p.Gpus]));
            cluster.Allocate(at.Node, p.Task, at.Gpus);
            if (all || p.Task.Preemptible)
            {
                candidates.Add(new MovableTask(p.Task.Name, p.Task, at));
            }
        }

        var plan = new GreedyConsolidationPlanner().Plan(new ConsolidationRequest(cluster, candidates) { Goal = goal, MaxMoves = cap });
        var view = DefragView.From(plan, goal, cluster, candidates);
        if (json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(view, DefragView.Json));
        }
        else
        {
            DefragView.Write(view);
        }

        return 0;
    }
}
