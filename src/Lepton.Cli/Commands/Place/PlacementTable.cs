using Lepton.Core.Placement;
using Lepton.Core.Resources;
using Spectre.Console;

namespace Lepton.Cli.Commands.Place;

/// <summary>Renders a placement as a readable table (task, request, node, GPUs or pending reason) and a summary line.</summary>
internal static class PlacementTable
{
    /// <summary>Writes the table for <paramref name="report"/> to <paramref name="console"/>.</summary>
    public static void Write(IAnsiConsole console, PlaceReport report, IReadOnlyList<TaskPlacement> placements)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("Task")
            .AddColumn("Request")
            .AddColumn("Node")
            .AddColumn("GPUs / reason");
        foreach (var placement in placements)
        {
            var task = placement.Task;
            var request = Request(task);
            if (placement.IsPlaced)
            {
                var gpus = placement.Gpus.Count == 0 ? "-" : string.Join(",", placement.Gpus);
                table.AddRow(Markup.Escape(task.Name), Markup.Escape(request), Markup.Escape(placement.Node!),
                    Markup.Escape(placement.Topology is { } topology ? $"{gpus} · {topology}" : gpus));
            }
            else
            {
                table.AddRow(Markup.Escape(task.Name), Markup.Escape(request), "[yellow]pending[/]",
                    "[yellow]" + Markup.Escape(placement.Reason?.Message ?? "not placed") + "[/]");
            }
        }

        console.Write(table);
        var s = report.Summary;
        console.MarkupLine(
            $"Placed [bold]{s.Placed}[/] of {s.Tasks} tasks with policy [bold]{Markup.Escape(report.Policy)}[/]; " +
            $"allocated GPU {s.GpuAllocatedPct:0.##} %, CPU {s.CpuAllocatedPct:0.##} %, memory {s.MemoryAllocatedPct:0.##} %.");
    }

    private static string Request(Core.Workloads.TaskRequest task)
    {
        var parts = new List<string> { "cpu " + Quantity.FormatCpu(task.CpuMilli), "mem " + Quantity.FormatMemory(task.MemoryMiB) };
        if (task.GpuCount > 0)
        {
            parts.Add(task.IsGpuShare ? $"gpu {task.GpuMilliPerGpu / 1000.0:0.###}" : $"gpu {task.GpuCount}");
            if (task.GpuModels.Count > 0)
            {
                parts[^1] += " (" + string.Join("|", task.GpuModels) + ")";
            }
        }

        if (task.Fpga > 0)
        {
            parts.Add($"fpga {task.Fpga}");
        }

        if (task.NetworkMbps > 0)
        {
            parts.Add("net " + Quantity.FormatNetwork(task.NetworkMbps));
        }

        if (task.Priority != 5)
        {
            parts.Add($"prio {task.Priority}");
        }

        return string.Join(", ", parts);
    }
}
