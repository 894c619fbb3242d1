using System.CommandLine;
using Lepton.Cli.Commands.Place;
using Lepton.Core.Placement;

namespace Lepton.Cli.Commands;

/// <summary><c>lepton place</c>: places the tasks of a file on the nodes of another with one policy and prints where each went.</summary>
/// <remarks>
/// Tasks go to the Core <see cref="Scheduler"/> in file order; it places a more important task (higher priority) before
/// a less important one with a stable sort, so equal priorities keep file order. Output lists tasks in file order.
/// </remarks>
internal sealed class PlaceCommand : ICliCommand
{
    /// <inheritdoc/>
    public Command Build()
    {
        var nodes = new Option<string>("--nodes") { Description = "Node file: openb-style CSV or Lepton YAML.", Required = true };
        var tasks = new Option<string>("--tasks") { Description = "Task file: openb-style pod CSV or Lepton YAML.", Required = true };
        var policy = new Option<string>("--policy") { Description = "Placement policy (see 'lepton policies'), or milp: the whole batch at once by an integer model (CP-SAT).", DefaultValueFactory = _ => "bestfit" };
        var seed = new Option<int>("--seed") { Description = "Seed for tie-breaks and the random policy.", DefaultValueFactory = _ => 42 };
        var json = new Option<bool>("--json") { Description = "Print the placement as JSON instead of a table." };
        var network = new Option<string>("--network") { Description = "Network model file for topology, data and latency (see README); default: the built-in model." };
        var objective = new Option<string>("--objective") { Description = "With --policy milp: priority (default), gpu, tasks or cost.", DefaultValueFactory = _ => "priority" };
        var timeLimit = new Option<double>("--time-limit") { Description = "With --policy milp: solver time limit in seconds.", DefaultValueFactory = _ => 2.0 };

        var command = new Command("place", "Place tasks on nodes with a policy and show where each went, or why it is pending.")
        {
            nodes, tasks, policy, seed, json, network, objective, timeLimit,
        };
        command.SetAction(parse => MilpPlacement.IsMilp(parse.GetValue(policy))
            ? MilpPlacement.Run(parse.GetValue(nodes)!, parse.GetValue(tasks)!, parse.GetValue(seed), parse.GetValue(json), parse.GetValue(objective)!, parse.GetValue(timeLimit))
            : Run(parse.GetValue(nodes)!, parse.GetValue(tasks)!, parse.GetValue(policy)!, parse.GetValue(seed), parse.GetValue(json),
                parse.GetValue(network) is { } file ? Simulate.TopologyOutput.Network(file, []) : null));
        return command;
    }

    private static int Run(string nodesPath, string tasksPath, string policy, int seed, bool json, Lepton.Core.Topology.NetworkTopology? network = null)
    {
        try
        {
            // Validate the policy before reading files: a typo should not wait for an 8,000-line trace to load.
            PolicyRegistry.Get(policy);
        }
        catch (UnknownPolicyException e)
        {
            throw new CliError(e.Message, 2);
        }

        var nodes = PlacementInput.ReadNodes(nodesPath);
        var tasks = PlacementInput.ReadTasks(tasksPath);

        PlacementResult result;
        try
        {
            var scheduler = new Scheduler(policy, new PlacementOptions { Seed = seed, Network = network });
            foreach (var node in nodes)
            {
                scheduler.AddNode(node);
            }

            // File order; the Scheduler itself places more important tasks first (a stable sort) and reports in input order.
            foreach (var task in tasks)
            {
                scheduler.AddTask(task);
            }

            result = scheduler.Schedule();
        }
        catch (ArgumentException e) when (e is not UnknownPolicyException)
        {
            // The scheduler rejects inputs it cannot model (e.g. a node with more than 64 GPUs); the parameter name means nothing to a user.
            throw new CliError(e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal));
        }

        var report = PlaceReport.From(result);
        if (json)
        {
            Console.Out.WriteLine(report.ToJson());
        }
        else
        {
            // Wide and unpadded when piped (Spectre assumes 80 columns when it cannot ask a terminal).
            PlacementTable.Write(Output.Terminal.Create(), report, result.Placements);
        }

        return 0;
    }
}
