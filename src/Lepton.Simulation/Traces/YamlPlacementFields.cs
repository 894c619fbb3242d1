using Lepton.Core.Resources;
using Lepton.Core.Topology;
using Lepton.Core.Workloads;

namespace Lepton.Simulation.Traces;

/// <summary>The job spec's topology-aware placement fields in task and job files: <c>topology: {required|preferred:
/// LEVEL, nvlink}</c>, <c>data: {name, size, at}</c> and <c>latency: {users, budgetMs}</c>.</summary>
internal static class YamlPlacementFields
{
    /// <summary>The top-level keys these fields add.</summary>
    public static readonly string[] Keys = ["topology", "data", "latency"];

    /// <summary>Sets <paramref name="task"/>'s topology, data and latency from <paramref name="yaml"/>.</summary>
    /// <param name="yaml">The task's or job's mapping.</param>
    /// <param name="task">The request template.</param>
    /// <param name="runTime">The job's expected run time (data locality weighs transfer against it); null when unknown.</param>
    public static TaskRequest Apply(YamlMappingReader yaml, TaskRequest task, TimeSpan? runTime)
    {
        if (yaml.GetMapping("topology", ["required", "preferred", "nvlink"]) is { } topology)
        {
            var required = topology.GetString("required");
            var preferred = topology.GetString("preferred");
            var nvlink = topology.GetBoolean("nvlink") ?? false;
            if (required is not null && preferred is not null)
            {
                throw topology.Error("preferred", "give either required or preferred, not both");
            }

            if (required is null && preferred is null && !nvlink)
            {
                throw yaml.Error("topology", "name a level (required: rack or preferred: rack) or ask for nvlink: true");
            }

            task = task with { Topology = new TopologyRequirement(required ?? preferred, required is not null, nvlink) };
        }

        if (yaml.GetMapping("data", ["name", "size", "at"]) is { } data)
        {
            var size = data.GetQuantity("size", Quantity.ParseMemoryMiB) ?? throw data.Error("size", "is required (such as 200Gi)");
            if (size <= 0)
            {
                throw data.Error("size", "must be more than 0");
            }

            task = task with { Data = new DataRequirement(data.GetRequiredString("name"), size, data.GetRequiredString("at"), runTime) };
        }

        if (yaml.GetMapping("latency", ["users", "budgetMs"]) is { } latency)
        {
            var budget = latency.GetDouble("budgetMs") ?? throw latency.Error("budgetMs", "is required (milliseconds, such as 20)");
            if (budget <= 0)
            {
                throw latency.Error("budgetMs", "must be more than 0");
            }

            task = task with { Latency = new LatencyRequirement(latency.GetRequiredString("users"), budget) };
        }

        return task;
    }
}
