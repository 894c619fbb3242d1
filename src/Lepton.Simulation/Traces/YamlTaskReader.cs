using System.Globalization;
using Lepton.Core.Resources;
using Lepton.Core.Workloads;

namespace Lepton.Simulation.Traces;

/// <summary>Reads tasks from Lepton's YAML task format, which uses the job spec's <c>resources</c> block.</summary>
/// <remarks>
/// <code>
/// tasks:
///   - name: train
///     replicas: 2          # a gang: train-0 and train-1, placed all or nothing
///     priority: 7          # 1..9, 9 most important (default 5)
///     preemptible: false
///     resources:           # per replica
///       cpu: 4             # cores, or "500m"
///       memory: 16Gi
///       gpu: 1             # whole GPUs; or gpuFraction: 0.5 for a share of one GPU
///       gpuModels: [V100M32, A100]
///       fpga: 0
///       network: 2Gbps
///       rdma: 0.25         # RDMA NICs (a quarter of one NIC's bandwidth), or "250m" milli-NIC
///     nodeSelector: {zone: eu-1}
///     maxPerNode: 2        # anti-affinity: at most 2 replicas of this job (or of "app") on one node
///     app: recsys          # optional: count maxPerNode over every job of this app
///     topology: {preferred: rack, nvlink: true}   # or required: rack (see the README's topology section)
///     data: {name: imagenet, size: 500Gi, at: zone-a}
///     latency: {users: eu, budgetMs: 20}
/// </code>
/// A document may also be a single job spec (the same keys at the top level); the job-only keys <c>command</c>,
/// <c>env</c> and <c>maxRetries</c> are accepted and ignored, so a file for <c>lepton job submit -f</c> can be placed
/// as it is. Only <c>name</c> is required; unknown keys are errors. Task names after expansion must be unique.
/// </remarks>
public static class YamlTaskReader
{
    private static readonly string[] TaskKeys =
        ["name", "replicas", "priority", "preemptible", "resources", "nodeSelector", "maxPerNode", "app", "command", "env", "maxRetries", .. YamlPlacementFields.Keys];

    /// <summary>The keys of a <c>resources</c> block.</summary>
    internal static readonly string[] ResourceKeys = ["cpu", "memory", "gpu", "gpuFraction", "gpuModels", "fpga", "network", "rdma"];

    /// <summary>Reads the task file at <paramref name="path"/>.</summary>
    /// <exception cref="TraceFormatException">The file is malformed; the message names file, line and field.</exception>
    public static IReadOnlyList<TaskRequest> Read(string path)
    {
        InputLimits.EnsureSize(path, InputLimits.MaxYamlBytes, "YAML");
        using var reader = new StreamReader(path);
        return Read(reader, path);
    }

    /// <summary>Reads tasks from <paramref name="reader"/>; <paramref name="file"/> names it in errors.</summary>
    public static IReadOnlyList<TaskRequest> Read(TextReader reader, string file)
    {
        var tasks = new List<TaskRequest>();
        var firstLine = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in YamlEntryList.Load(reader, file, "tasks", isSingleEntry: true))
        {
            var yaml = new YamlMappingReader(entry, file, "", TaskKeys);
            var name = yaml.GetRequiredString("name");
            var replicas = yaml.GetInt32("replicas", 1, 100_000) ?? 1;
            var template = WithResources(yaml.GetMapping("resources", ResourceKeys), new TaskRequest
            {
                Name = name,
                Priority = yaml.GetInt32("priority", 1, 9) ?? 5,
                Preemptible = yaml.GetBoolean("preemptible") ?? false,
                NodeSelector = yaml.GetStringMap("nodeSelector"),
                Gang = replicas > 1 ? name : null,
                MaxPerNode = yaml.GetInt32("maxPerNode", 0, 100_000) ?? 0,
                App = yaml.GetString("app"),
            });
            template = YamlPlacementFields.Apply(yaml, template, null);

            for (var i = 0; i < replicas; i++)
            {
                var task = replicas == 1 ? template : template with { Name = name + "-" + i.ToString(CultureInfo.InvariantCulture) };
                if (!firstLine.TryAdd(task.Name, yaml.Line))
                {
                    throw yaml.Error("name", $"task name '{task.Name}' appears twice (first on line {firstLine[task.Name]})");
                }

                tasks.Add(task);
            }
        }

        return tasks;
    }

    /// <summary>Fills the request fields of <paramref name="task"/> from a <c>resources</c> block (null: no resources).</summary>
    /// <remarks><c>gpu</c> is whole GPUs (1000 milli each); <c>gpuFraction</c> in (0, 1] is a share of one GPU and must be
    /// a whole number of milli-GPU. They are exclusive. <c>gpuModels</c> needs a GPU request.</remarks>
    internal static TaskRequest WithResources(YamlMappingReader? resources, TaskRequest task)
    {
        if (resources is null)
        {
            return task;
        }

        var gpuCount = 0;
        var gpuMilli = 0;
        if (resources.Has("gpu") && resources.Has("gpuFraction"))
        {
            throw resources.Error("gpuFraction", "give either gpu (whole GPUs) or gpuFraction (a share of one GPU), not both");
        }

        if (resources.GetString("gpu") is { } gpuText)
        {
            if (gpuText.Contains('.', StringComparison.Ordinal))
            {
                throw resources.Error("gpu", $"'{gpuText}' is not a whole number of GPUs; use gpuFraction: {gpuText} for a share of one GPU");
            }

            gpuCount = resources.GetInt32("gpu") ?? 0;
            gpuMilli = gpuCount > 0 ? 1000 : 0;
        }
        else if (resources.GetDouble("gpuFraction") is { } fraction)
        {
            var milli = fraction * 1000;
            if (fraction is <= 0 or > 1 || Math.Abs(milli - Math.Round(milli)) > 1e-6)
            {
                throw resources.Error("gpuFraction", $"{fraction.ToString(CultureInfo.InvariantCulture)} is not a share of one GPU; expected 0.001..1 in steps of 0.001");
            }

            gpuCount = 1;
            gpuMilli = (int)Math.Round(milli);
        }

        var models = resources.GetStringList("gpuModels");
        if (models.Count > 0 && gpuCount == 0)
        {
            throw resources.Error("gpuModels", "GPU models are given but no gpu or gpuFraction is requested");
        }

        return task with
        {
            CpuMilli = resources.GetQuantity("cpu", Quantity.ParseCpuMilli) ?? 0,
            MemoryMiB = resources.GetQuantity("memory", Quantity.ParseMemoryMiB) ?? 0,
            GpuCount = gpuCount,
            GpuMilliPerGpu = gpuMilli,
            GpuModels = models,
            Fpga = resources.GetInt32("fpga") ?? 0,
            NetworkMbps = resources.GetQuantity("network", Quantity.ParseNetworkMbps) ?? 0,
            RdmaMilli = resources.GetQuantity("rdma", Quantity.ParseRdmaMilli) ?? 0,
        };
    }
}
