using System.Globalization;
using Lepton.Core.Workloads;
using Lepton.Simulation.Jobs;

namespace Lepton.Simulation.Traces;

/// <summary>Reads Alibaba's 2025 disaggregated DLRM inference trace (<c>cluster-trace-gpu-v2025/disaggregated_DLRM_trace.csv</c>)
/// as jobs: one long-running instance per row.</summary>
/// <remarks>
/// <para>Each row is a one-replica job named after <c>instance_sn</c>: <c>cpu_request</c> vCPUs, <c>memory_request</c>
/// GiB, <c>gpu_request</c> whole GPUs (1 for an <c>HN</c> instance, 0 for <c>CN</c>), <c>rdma_request</c> percent of one
/// RDMA NIC (25 → 250 milli-NIC), and at most <c>max_instance_per_node</c> instances of its <c>app_name</c> on one
/// node (-1: no limit). Requests are used, not limits (they are equal except for disk). Disk is kept as a label
/// (<c>disk_gib</c>): Lepton nodes do not account disk.</para>
/// <para>Arrival is <c>creation_time</c>, run time <c>deletion_time − scheduled_time</c>. An instance without
/// <c>creation_time</c> existed before the trace started: it arrives at 0 (label <c>existing=true</c>). One without
/// <c>deletion_time</c> was alive when the trace ended: it runs until the latest time in the file and is marked
/// <see cref="SimulatedJob.Censored"/>. The file is read once, row by row.</para>
/// </remarks>
public static class AlibabaDlrmReader
{
    private static readonly string[] KnownColumns =
    [
        "instance_sn", "role", "app_name", "cpu_request", "cpu_limit", "gpu_request", "gpu_limit", "rdma_request", "rdma_limit",
        "memory_request", "memory_limit", "disk_request", "disk_limit", "max_instance_per_node", "creation_time", "scheduled_time", "deletion_time",
    ];

    /// <summary>Reads the trace at <paramref name="path"/>.</summary>
    /// <exception cref="TraceFormatException">A line is malformed; the message names file, line and column.</exception>
    public static JobTrace Read(string path)
    {
        using var csv = CsvRecordReader.Open(path);
        return Read(csv);
    }

    /// <summary>Reads the trace from <paramref name="reader"/>; <paramref name="file"/> names it in errors.</summary>
    public static JobTrace Read(TextReader reader, string file)
    {
        using var csv = new CsvRecordReader(reader, file);
        return Read(csv);
    }

    private static JobTrace Read(CsvRecordReader csv)
    {
        csv.RejectUnknownColumns(KnownColumns, "DLRM trace");
        var name = csv.RequireColumn("instance_sn");
        var role = csv.RequireColumn("role");
        var app = csv.RequireColumn("app_name");
        var cpu = csv.RequireColumn("cpu_request");
        var gpu = csv.RequireColumn("gpu_request");
        var rdma = csv.RequireColumn("rdma_request");
        var memory = csv.RequireColumn("memory_request");
        var maxPerNode = csv.RequireColumn("max_instance_per_node");
        var creation = csv.RequireColumn("creation_time");
        var scheduled = csv.RequireColumn("scheduled_time");
        var deletion = csv.RequireColumn("deletion_time");
        var disk = csv.Header.IndexOf("disk_request");

        var strings = new StringPool<string>(s => s.ToString());
        var firstLine = new Dictionary<string, int>(StringComparer.Ordinal);
        var jobs = new List<SimulatedJob>();
        var open = new List<(int Index, double Start)>();
        var end = 0.0;
        while (csv.Read())
        {
            var instance = csv.GetUniqueName(name, firstLine, "instance", "instance_sn is empty");

            var roleText = strings.Get(csv[role]);
            if (roleText is not ("HN" or "CN"))
            {
                throw csv.Error(role, $"'{roleText}' is not a role; expected HN (GPU part) or CN (CPU part)");
            }

            var appName = strings.Get(csv[app]);
            if (appName.Length == 0)
            {
                throw csv.Error(app, "app_name is empty");
            }

            var gpus = csv.GetInt32(gpu, 0, 64);
            var limit = csv.GetInt64(maxPerNode, -1, 100_000);
            var existing = csv.IsMissing(creation);
            if (existing != csv.IsMissing(scheduled))
            {
                throw csv.Error(scheduled, "scheduled_time must be empty exactly when creation_time is (an instance that existed before the trace)");
            }

            var created = existing ? 0 : TraceNumbers.Seconds(csv, creation);
            var start = existing ? 0 : TraceNumbers.Seconds(csv, scheduled);
            var ran = TraceNumbers.RunSeconds(csv, created, start, scheduled, deletion, ref end);
            var censored = ran is null;
            var run = ran ?? 0.0;
            if (censored)
            {
                open.Add((jobs.Count, start));
            }

            var labels = new Dictionary<string, string>(StringComparer.Ordinal) { ["role"] = roleText, ["app"] = appName };
            if (existing)
            {
                labels["existing"] = "true";
            }

            if (disk >= 0 && !csv.IsMissing(disk))
            {
                labels["disk_gib"] = csv.GetDouble(disk).ToString(CultureInfo.InvariantCulture);
            }

            var task = new TaskRequest
            {
                Name = instance,
                CpuMilli = Milli(csv, cpu, 1000),
                MemoryMiB = Milli(csv, memory, 1024),
                GpuCount = gpus,
                GpuMilliPerGpu = gpus > 0 ? 1000 : 0,
                RdmaMilli = Milli(csv, rdma, 10),
                MaxPerNode = limit > 0 ? (int)limit : 0,
                App = appName,
            };
            jobs.Add(new SimulatedJob(instance, TimeSpan.FromSeconds(created), TimeSpan.FromSeconds(run), null, [task], csv.LineNumber)
            {
                Labels = labels,
                Censored = censored,
            });
        }

        // Instances alive at the end of the trace hold their resources until its last recorded instant.
        foreach (var (index, start) in open)
        {
            jobs[index] = jobs[index] with { Duration = TimeSpan.FromSeconds(end - start) };
        }

        return new JobTrace(JobTraceFormats.AlibabaDlrm, jobs, []);
    }

    /// <summary>A non-negative decimal field scaled to an integer unit, rounded up so a request is never understated.</summary>
    private static long Milli(CsvRecordReader csv, int column, double scale)
    {
        var value = csv.GetDouble(column) * scale;
        return value <= long.MaxValue / 2 ? (long)Math.Ceiling(value - 1e-9) : throw csv.Error(column, "is too large");
    }
}
