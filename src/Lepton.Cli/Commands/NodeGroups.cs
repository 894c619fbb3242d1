using System.Globalization;
using Lepton.Client.Contracts;
using Spectre.Console;

namespace Lepton.Cli.Commands;

/// <summary>Groups <c>node list</c> by a topology level (a label key such as <c>zone</c>, <c>tier</c> or <c>rack</c>).</summary>
internal static class NodeGroups
{
    private const string Unlabelled = "(none)";

    /// <summary>Nodes by group value (unlabelled last), then name; by name alone without a level.</summary>
    public static IEnumerable<NodeView> Order(IReadOnlyList<NodeView> nodes, string? level) => level is null
        ? nodes.OrderBy(n => n.Name, StringComparer.Ordinal)
        : nodes.OrderBy(n => n.Labels.ContainsKey(level) ? 0 : 1).ThenBy(n => ValueOf(n, level), StringComparer.Ordinal).ThenBy(n => n.Name, StringComparer.Ordinal);

    /// <summary>The node's value at <paramref name="level"/>, or <c>(none)</c>.</summary>
    public static string ValueOf(NodeView node, string level) => node.Labels.TryGetValue(level, out var v) && v.Length > 0 ? v : Unlabelled;

    /// <summary>The group's heading: its value, node count and GPUs allocated of total.</summary>
    public static string Heading(IReadOnlyList<NodeView> nodes, string level, string value)
    {
        var members = nodes.Where(n => ValueOf(n, level) == value).ToList();
        var gpus = members.Sum(n => n.Capacity.GpuMilli) / 1000.0;
        var allocated = members.Sum(n => n.Allocated.GpuMilli) / 1000.0;
        return Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"{level}={value}: {members.Count} node{(members.Count == 1 ? "" : "s")}, GPUs {allocated:0.##}/{gpus:0.##}")) is var text ? $"[bold]{text}[/]" : "";
    }
}
