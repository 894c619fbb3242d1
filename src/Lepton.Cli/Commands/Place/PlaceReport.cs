using System.Text.Json;
using System.Text.Json.Serialization;
using Lepton.Core.Placement;

namespace Lepton.Cli.Commands.Place;

/// <summary>The <c>lepton place --json</c> document: placements, pending tasks with reasons, and the allocation summary.</summary>
/// <param name="Policy">The policy that placed the tasks.</param>
/// <param name="Placements">Placed tasks, in the order of the task file.</param>
/// <param name="Pending">Tasks that could not be placed, in the order of the task file, with the reason.</param>
/// <param name="Summary">Counts and allocation percentages after placement.</param>
internal sealed record PlaceReport(string Policy, IReadOnlyList<PlaceReport.Placed> Placements, IReadOnlyList<PlaceReport.Waiting> Pending, PlaceReport.Totals Summary)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // a terminal needs no HTML escaping of ' or <
    };

    /// <summary>One placed task: the node and the GPU indices on it (empty for a task without GPUs).</summary>
    internal sealed record Placed(string Task, string Node, IReadOnlyList<int> Gpus);

    /// <summary>One pending task and why no node could take it.</summary>
    internal sealed record Waiting(string Task, string Reason);

    /// <summary>Tasks, placed tasks, and the share of the cluster's GPU, CPU and memory allocated, in percent.</summary>
    internal sealed record Totals(int Tasks, int Placed, double GpuAllocatedPct, double CpuAllocatedPct, double MemoryAllocatedPct);

    /// <summary>With <c>--policy milp</c>: how good the batch plan is (absent for the greedy policies).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public BatchStatus? Batch { get; init; }

    /// <summary>A batch plan's status: objective, optimal/feasible/greedy, value, bound and gap (percent), the greedy floor, seconds.</summary>
    internal sealed record BatchStatus(string Objective, string Status, string Source, long Value, double? UpperBound, double? GapPct,
        string GreedyPolicy, long GreedyValue, double Seconds, string Note);

    /// <summary>Builds the report from a placement result, keeping its (input) task order.</summary>
    public static PlaceReport From(PlacementResult result)
    {
        var placed = new List<Placed>();
        var pending = new List<Waiting>();
        foreach (var placement in result.Placements)
        {
            if (placement.IsPlaced)
            {
                placed.Add(new Placed(placement.Task.Name, placement.Node!, placement.Gpus));
            }
            else
            {
                pending.Add(new Waiting(placement.Task.Name, placement.Reason?.Message ?? "not placed"));
            }
        }

        var s = result.Summary;
        return new PlaceReport(result.Policy, placed, pending,
            new Totals(s.Tasks, s.Placed, Round(s.GpuAllocatedPct), Round(s.CpuAllocatedPct), Round(s.MemoryAllocatedPct)));
    }

    /// <summary>The report as camelCase JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    // Percentages to 1e-4 points: enough for any comparison, and no 33.333333333333336 noise in the output.
    private static double Round(double pct) => Math.Round(pct, 4);
}
