using System.CommandLine;
using System.Globalization;
using Lepton.Cli.Connection;
using Lepton.Cli.Output;
using Lepton.Client.Contracts;
using Spectre.Console;

namespace Lepton.Cli.Commands;

/// <summary><c>lepton node</c>: list nodes (capacity, allocation, live usage, GPUs), drain or undrain one, remove one.</summary>
internal sealed class NodeCommand : ICliCommand
{
    /// <inheritdoc/>
    public Command Build()
    {
        var node = new Command("node", "Inspect and manage nodes: list, drain, undrain, remove.");
        node.Subcommands.Add(List());
        node.Subcommands.Add(Drain());
        node.Subcommands.Add(Undrain());
        node.Subcommands.Add(Remove());
        return node;
    }

    private static Command Undrain()
    {
        var name = new Argument<string>("NAME") { Description = "Node name (as 'node list' shows it)." };
        var json = new Option<bool>("--json") { Description = "Print the node as JSON." };
        var command = new Command("undrain", "Undo a drain: the node takes new work again.") { name, json };
        command.SetAction((parse, cancellationToken) => CliConnection.RunAsync(async client =>
        {
            var n = await client.UndrainNodeAsync(parse.GetValue(name)!, cancellationToken);
            if (parse.GetValue(json))
            {
                Terminal.WriteJson(n);
            }
            else
            {
                Console.WriteLine($"node {n.Name} is {n.State}");
            }

            return 0;
        }, cancellationToken));
        return command;
    }

    private static Command Remove()
    {
        var name = new Argument<string>("NAME") { Description = "Node name (as 'node list' shows it)." };
        var command = new Command("remove",
            "Remove a node and revoke its credential (its name can then register afresh). Refused while the node is up with work on it: drain it first, or stop its agent.")
        { name };
        command.SetAction((parse, cancellationToken) => CliConnection.RunAsync(async client =>
        {
            var node = parse.GetValue(name)!;
            await client.RemoveNodeAsync(node, cancellationToken);
            Console.WriteLine($"node {node} is removed");
            return 0;
        }, cancellationToken));
        return command;
    }

    private static Command List()
    {
        var json = new Option<bool>("--json") { Description = "Print the API's JSON instead of a table." };
        var groupBy = new Option<string>("--group-by") { Description = "Group nodes by a topology level (a label key such as zone, tier or rack), with a line per group." };
        var command = new Command("list", "List nodes: state, GPUs allocated of total and their model, CPU and memory allocated of capacity, live usage, tasks, price.") { json, groupBy };
        command.SetAction((parse, cancellationToken) => CliConnection.RunAsync(async client =>
        {
            var nodes = await client.ListNodesAsync(cancellationToken);
            if (parse.GetValue(json))
            {
                Terminal.WriteJson(nodes);
                return 0;
            }

            var console = Terminal.Create();
            if (nodes.Count == 0)
            {
                console.WriteLine("No nodes yet. Start agents with 'lepton up' or 'lepton agent --server URL --token-file FILE'.");
                return 0;
            }

            var table = Terminal.NewTable("NAME", "STATE", "GPUS", "CPU", "MEMORY", "LIVE CPU", "LIVE MEMORY", "LIVE GPU", "TASKS", "PRICE/H", "POWER", "ISOLATION");
            var level = parse.GetValue(groupBy);
            string? group = null;
            foreach (var n in NodeGroups.Order(nodes, level))
            {
                if (level is not null && NodeGroups.ValueOf(n, level) is var value && value != group)
                {
                    group = value;
                    table.AddRow(new Markup(NodeGroups.Heading(nodes, level, value)));
                }

                table.AddRow(
                    new Text(n.Name),
                    new Markup(StateMarkup(n.State)),
                    new Text(GpuText(n)),
                    new Text($"{HumanText.Cores(n.Allocated.CpuMilli)}/{HumanText.Cores(n.Capacity.CpuMilli)}"),
                    new Text($"{HumanText.Memory(n.Allocated.MemoryMiB)}/{HumanText.Memory(n.Capacity.MemoryMiB)}"),
                    new Text(n.Usage is { } u ? $"{u.CpuPercent.ToString("0", CultureInfo.InvariantCulture)}%" : "-"),
                    new Text(n.Usage is { } m ? HumanText.Memory(m.MemoryUsedMiB) : "-"),
                    new Text(LiveGpuText(n)),
                    new Text(n.Tasks.ToString(CultureInfo.InvariantCulture)),
                    new Text(n.PricePerHour > 0 ? n.PricePerHour.ToString("0.00", CultureInfo.InvariantCulture) : "-"),
                    new Text(n.PowerWatts is { } w ? $"{w.ToString("0", CultureInfo.InvariantCulture)} W{(n.PowerSource == "estimated" ? " est." : "")}" : "-"),
                    new Markup(n.Isolation switch { null => "-", "none" => "[red]none[/]", var i => Markup.Escape(i) }));
            }

            console.Write(table);
            return 0;
        }, cancellationToken));
        return command;
    }

    private static Command Drain()
    {
        var name = new Argument<string>("NAME") { Description = "Node name (as 'node list' shows it)." };
        var json = new Option<bool>("--json") { Description = "Print the node as JSON." };
        var command = new Command("drain", "Drain a node: no new work lands there, preemptible work moves elsewhere, the rest finishes.") { name, json };
        command.SetAction((parse, cancellationToken) => CliConnection.RunAsync(async client =>
        {
            var n = await client.DrainNodeAsync(parse.GetValue(name)!, cancellationToken);
            if (parse.GetValue(json))
            {
                Terminal.WriteJson(n);
            }
            else
            {
                Console.WriteLine($"node {n.Name} is {n.State} ({n.Tasks} task(s) still on it)");
            }

            return 0;
        }, cancellationToken));
        return command;
    }

    /// <summary>GPUs allocated of total and the model, e.g. <c>1.5/4 A100</c>; <c>-</c> for a CPU-only node.</summary>
    internal static string GpuText(NodeView n) =>
        n.Capacity.GpuMilli == 0 ? "-" : $"{HumanText.Gpus(n.Allocated.GpuMilli)}/{HumanText.Gpus(n.Capacity.GpuMilli)} {n.GpuModel}".TrimEnd();

    private static string LiveGpuText(NodeView n)
    {
        var reported = n.Gpus.Where(g => g.UtilizationPercent is not null).Select(g => g.UtilizationPercent!.Value).ToList();
        return reported.Count == 0 ? "-" : $"{reported.Average().ToString("0", CultureInfo.InvariantCulture)}%";
    }

    private static string StateMarkup(string state) => state switch
    {
        "Ready" => "[green]Ready[/]",
        "Draining" => "[yellow]Draining[/]",
        "Down" => "[red]Down[/]",
        "PoweredOff" => "[grey]PoweredOff[/]",
        "Waking" => "[yellow]Waking[/]",
        _ => Markup.Escape(state),
    };
}
