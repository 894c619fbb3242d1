using Lepton.Core.Workloads;

namespace Lepton.Simulation.Traces;

/// <summary>Reads a task list in the openb pod CSV format (<c>name,cpu_milli,memory_mib,num_gpu,gpu_milli[,gpu_spec,…]</c>), plus Lepton's optional extra columns.</summary>
/// <remarks>
/// Each row becomes one <see cref="TaskRequest"/>, in file order, derived exactly as FGD-SPEC §1.2 says:
/// <list type="bullet">
/// <item><c>GpuCount = num_gpu</c>. With <c>num_gpu = 0</c> the task is CPU-only: <c>GpuMilliPerGpu = 0</c> and no GPU
/// models, whatever <c>gpu_milli</c> and <c>gpu_spec</c> say.</item>
/// <item>With <c>num_gpu &gt; 0</c>: <c>GpuMilliPerGpu = gpu_milli</c> when it is in 1..1000, 1000 when it is above,
/// 0 otherwise (the openb data never hits the last two).</item>
/// <item><c>GpuModels</c> = <c>gpu_spec</c> split on <c>|</c> with empty pieces dropped, order and duplicates kept
/// (<c>string.Join("|", GpuModels)</c> gives back the spec's key); empty or <c>nan</c> means any model.</item>
/// </list>
/// <c>qos</c>, <c>pod_phase</c> and the three timestamps are accepted and ignored. Optional Lepton columns:
/// <c>priority</c> (1..9, default 5), <c>gang</c>, <c>fpga</c>, <c>network_mbps</c>, <c>rdma_milli</c> (1000 = one RDMA NIC),
/// <c>max_per_node</c> (anti-affinity limit per <c>app</c>, else per gang, else per task; 0 = none), <c>app</c>, <c>preemptible</c>,
/// <c>node_selector</c> (<c>key=value;key=value</c>). Unknown columns are errors. Task names must be unique.
/// </remarks>
public static class OpenbPodReader
{
    private static readonly string[] KnownColumns =
    [
        "name", "cpu_milli", "memory_mib", "num_gpu", "gpu_milli", "gpu_spec", "qos", "pod_phase", "creation_time", "deletion_time",
        "scheduled_time", "priority", "gang", "fpga", "network_mbps", "rdma_milli", "max_per_node", "app", "preemptible", "node_selector",
    ];

    private static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>();

    /// <summary>Reads the pod list at <paramref name="path"/>.</summary>
    /// <exception cref="TraceFormatException">A line is malformed; the message names file, line and column.</exception>
    public static IReadOnlyList<TaskRequest> Read(string path)
    {
        using var csv = CsvRecordReader.Open(path);
        return Read(csv);
    }

    /// <summary>Reads a pod list from <paramref name="reader"/>; <paramref name="file"/> names it in errors.</summary>
    public static IReadOnlyList<TaskRequest> Read(TextReader reader, string file)
    {
        using var csv = new CsvRecordReader(reader, file);
        return Read(csv);
    }

    private static List<TaskRequest> Read(CsvRecordReader csv)
    {
        var header = csv.Header;
        if (header.Contains("sn") || (header.Contains("gpu") && !header.Contains("num_gpu")))
        {
            throw new TraceFormatException(csv.File, csv.LineNumber, header.Contains("sn") ? "sn" : "gpu", "this looks like a node list, not a task (pod) list");
        }

        csv.RejectUnknownColumns(KnownColumns, "task");
        var name = csv.RequireColumn("name");
        var cpu = csv.RequireColumn("cpu_milli");
        var memory = csv.RequireColumn("memory_mib");
        var numGpu = csv.RequireColumn("num_gpu");
        var gpuMilli = csv.RequireColumn("gpu_milli");
        var gpuSpec = header.IndexOf("gpu_spec");
        var priority = header.IndexOf("priority");
        var gang = header.IndexOf("gang");
        var fpga = header.IndexOf("fpga");
        var network = header.IndexOf("network_mbps");
        var rdma = header.IndexOf("rdma_milli");
        var maxPerNode = header.IndexOf("max_per_node");
        var app = header.IndexOf("app");
        var preemptible = header.IndexOf("preemptible");
        var selector = header.IndexOf("node_selector");

        var specs = new StringPool<string[]>(SplitSpec);
        var gangs = new StringPool<string>(s => s.ToString());
        var firstLine = new Dictionary<string, int>(StringComparer.Ordinal);
        var tasks = new List<TaskRequest>();
        while (csv.Read())
        {
            var taskName = csv.GetUniqueName(name, firstLine, "task name");

            var n = csv.GetInt32(numGpu);
            var g = 0;
            string[] models = [];
            if (n > 0)
            {
                var milli = csv.GetInt64(gpuMilli, long.MinValue);
                g = milli > 1000 ? 1000 : milli > 0 ? (int)milli : 0;
                if (gpuSpec >= 0 && !csv.IsMissing(gpuSpec))
                {
                    models = specs.Get(csv[gpuSpec]);
                }
            }
            else if (!csv.IsMissing(gpuMilli))
            {
                // Ignored for a CPU-only task (FGD-SPEC §1.2), but a non-number is still a malformed line.
                csv.GetInt64(gpuMilli, long.MinValue);
            }

            tasks.Add(new TaskRequest
            {
                Name = taskName,
                CpuMilli = csv.GetInt64(cpu),
                MemoryMiB = csv.GetInt64(memory),
                GpuCount = n,
                GpuMilliPerGpu = g,
                GpuModels = models,
                Priority = priority < 0 || csv.IsMissing(priority) ? 5 : csv.GetInt32(priority, 1, 9),
                Gang = gang < 0 || csv.IsMissing(gang) ? null : gangs.Get(csv[gang]),
                Fpga = fpga < 0 || csv.IsMissing(fpga) ? 0 : csv.GetInt32(fpga),
                NetworkMbps = network < 0 || csv.IsMissing(network) ? 0 : csv.GetInt64(network),
                RdmaMilli = rdma < 0 || csv.IsMissing(rdma) ? 0 : csv.GetInt64(rdma),
                MaxPerNode = maxPerNode < 0 || csv.IsMissing(maxPerNode) ? 0 : csv.GetInt32(maxPerNode),
                App = app < 0 || csv.IsMissing(app) ? null : gangs.Get(csv[app]),
                Preemptible = preemptible >= 0 && !csv.IsMissing(preemptible) && csv.GetBoolean(preemptible),
                NodeSelector = selector < 0 || csv.IsMissing(selector) ? Empty : csv.GetLabels(selector),
            });
        }

        return tasks;
    }

    private static string[] SplitSpec(ReadOnlySpan<char> spec)
    {
        var models = new List<string>();
        foreach (var range in spec.Split('|'))
        {
            var piece = spec[range];
            if (!piece.IsEmpty)
            {
                models.Add(piece.ToString());
            }
        }

        return [.. models];
    }
}
