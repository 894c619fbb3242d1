using System.CommandLine;
using Lepton.Cli.Commands.Place;
using Lepton.Core.Placement;
using Spectre.Console;

namespace Lepton.Cli.Commands;

/// <summary><c>lepton place</c>: places the tasks of a file on the nodes of another with one policy and prints where each went.</summary>
/// <remarks>
/// Tasks are placed in file order, except that a more important task (higher priority) goes before a less important
/// one; the sort is stable, so equal priorities keep file order and gang members stay together. Output lists tasks
/// in file order either way.
/// </remarks>
internal sealed class PlaceCommand : ICliCommand
{
    /// <inheritdoc/>
    public Command Build()
    {
        var nodes = new Option<string>("--nodes") { Description = "Node file: openb-style CSV or Lepton YAML.", Required = true };
        var tasks = new Option<string>("--tasks") { Description = "Task file: openb-style pod CSV or Lepton YAML.", Required = true };
        var policy = new Option<string>("--policy") { Description = "Placement policy (see 'lepton policies').", DefaultValueFactory = _ => "bestfit" };
        var seed = new Option<int>("--seed") { Description = "Seed for tie-breaks and the random policy.", DefaultValueFactory = _ => 42 };
        var json = new Option<bool>("--json") { Description = "Print the placement as JSON instead of a table." };

        var command = new Command("place", "Place tasks on nodes with a policy and show where each went, or why it is pending.")
        {
            nodes, tasks, policy, seed, json,
        };
        command.SetAction(parse => Run(parse.GetValue(nodes)!, parse.GetValue(tasks)!, parse.GetValue(policy)!, parse.GetValue(seed), parse.GetValue(json)));
        return command;
    }

    private static int Run(string nodesPath, string tasksPath, string policy, int seed, bool json)
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

        // The Scheduler orders by priority too; ordering here as well lets us map its input-order results back to file order.
        var order = Enumerable.Range(0, tasks.Count).OrderByDescending(i => tasks[i].Priority).ToArray(); // stable
        PlacementResult result;
        try
        {
            var scheduler = new Scheduler(policy, new PlacementOptions { Seed = seed });
            foreach (var node in nodes)
            {
                scheduler.AddNode(node);
            }

            foreach (var i in order)
            {
                scheduler.AddTask(tasks[i]);
            }

            result = scheduler.Schedule();
        }
        catch (ArgumentException e) when (e is not UnknownPolicyException)
        {
            // The scheduler rejects inputs it cannot model (e.g. a node with more than 64 GPUs); the parameter name means nothing to a user.
            throw new CliError(e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal));
        }

        // Results come back in the order tasks were added; put them back in file order for the output.
        var fileOrder = new TaskPlacement[tasks.Count];
        for (var k = 0; k < order.Length; k++)
        {
            fileOrder[order[k]] = result.Placements[k];
        }

        var report = PlaceReport.From(result, fileOrder);
        if (json)
        {
            Console.Out.WriteLine(report.ToJson());
        }
        else
        {
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
            if (Console.IsOutputRedirected)
            {
                // Spectre assumes 80 columns when it cannot ask a terminal; a file or pager reads better without wrapping.
                console.Profile.Width = 160;
            }

            PlacementTable.Write(console, report, fileOrder);
        }

        return 0;
    }
}
