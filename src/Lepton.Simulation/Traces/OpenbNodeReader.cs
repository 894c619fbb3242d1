using Lepton.Core.Cluster;
using Lepton.Core.Power;

namespace Lepton.Simulation.Traces;

/// <summary>Reads a node list in the openb CSV format (<c>sn,cpu_milli,memory_mib,gpu,model</c>), plus Lepton's optional extra columns.</summary>
/// <remarks>
/// The openb files are accepted as they are: a <c>model</c> of <c>nan</c> or empty means a CPU-only node. Optional
/// columns, in any order after the required ones: <c>fpga</c>, <c>network_mbps</c>, <c>rdma_nics</c>, <c>labels</c>
/// (<c>key=value;key=value</c>), <c>price_per_hour</c>, <c>idle_watts</c>, <c>peak_watts</c>, <c>state</c>
/// (Ready, Draining, Down), and the power overrides <c>cpu_sockets</c>, <c>cores_per_socket</c>, <c>threads_per_core</c>,
/// <c>cpu_idle_watts</c>, <c>cpu_active_watts</c> (per socket), <c>gpu_idle_watts</c>, <c>gpu_max_watts</c> (per GPU),
/// <c>base_watts</c>, <c>standby_watts</c>. <c>name</c> may stand for <c>sn</c>. Unknown columns are errors, so a misspelt
/// column never silently drops a constraint. Node names must be unique.
/// </remarks>
public static class OpenbNodeReader
{
    /// <summary>Optional per-node power overrides (see <see cref="NodePowerSpec"/>), in this order.</summary>
    private static readonly string[] PowerColumns =
        ["cpu_sockets", "cores_per_socket", "threads_per_core", "cpu_idle_watts", "cpu_active_watts", "gpu_idle_watts", "gpu_max_watts", "base_watts", "standby_watts"];

    // After PowerColumns: static fields initialise in textual order.
    private static readonly string[] KnownColumns =
        ["sn", "name", "cpu_milli", "memory_mib", "gpu", "model", "fpga", "network_mbps", "rdma_nics", "labels", "price_per_hour", "idle_watts", "peak_watts", "state",
        .. PowerColumns];

    private static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>();

    /// <summary>Reads the node list at <paramref name="path"/>.</summary>
    /// <exception cref="TraceFormatException">A line is malformed; the message names file, line and column.</exception>
    public static IReadOnlyList<NodeSpec> Read(string path)
    {
        using var csv = CsvRecordReader.Open(path);
        return Read(csv);
    }

    /// <summary>Reads a node list from <paramref name="reader"/>; <paramref name="file"/> names it in errors.</summary>
    public static IReadOnlyList<NodeSpec> Read(TextReader reader, string file)
    {
        using var csv = new CsvRecordReader(reader, file);
        return Read(csv);
    }

    private static List<NodeSpec> Read(CsvRecordReader csv)
    {
        var header = csv.Header;
        if (header.Contains("num_gpu") && !header.Contains("gpu"))
        {
            throw new TraceFormatException(csv.File, csv.LineNumber, "num_gpu", "this looks like a task (pod) list, not a node list");
        }

        csv.RejectUnknownColumns(KnownColumns, "node");
        // openb calls the node name "sn" (serial number); Lepton's own files may say "name".
        var name = header.Contains("sn") || !header.Contains("name") ? csv.RequireColumn("sn") : header.IndexOf("name");
        var cpu = csv.RequireColumn("cpu_milli");
        var memory = csv.RequireColumn("memory_mib");
        var gpu = csv.RequireColumn("gpu");
        var model = header.IndexOf("model");
        var fpga = header.IndexOf("fpga");
        var network = header.IndexOf("network_mbps");
        var rdma = header.IndexOf("rdma_nics");
        var labels = header.IndexOf("labels");
        var price = header.IndexOf("price_per_hour");
        var idle = header.IndexOf("idle_watts");
        var peak = header.IndexOf("peak_watts");
        var state = header.IndexOf("state");
        var power = PowerColumns.Select(header.IndexOf).ToArray();

        var models = new StringPool<string>(s => s.ToString());
        var firstLine = new Dictionary<string, int>(StringComparer.Ordinal);
        var nodes = new List<NodeSpec>();
        while (csv.Read())
        {
            var nodeName = csv.GetUniqueName(name, firstLine, "node name");

            nodes.Add(new NodeSpec
            {
                Name = nodeName,
                CpuMilli = csv.GetInt64(cpu),
                MemoryMiB = csv.GetInt64(memory),
                GpuCount = csv.GetInt32(gpu),
                GpuModel = model < 0 || csv.IsMissing(model) ? "" : models.Get(csv[model]),
                Fpga = fpga < 0 || csv.IsMissing(fpga) ? 0 : csv.GetInt32(fpga),
                NetworkMbps = network < 0 || csv.IsMissing(network) ? 0 : csv.GetInt64(network),
                RdmaNics = rdma < 0 || csv.IsMissing(rdma) ? 0 : csv.GetInt32(rdma, 0, 64),
                Labels = labels < 0 || csv.IsMissing(labels) ? Empty : csv.GetLabels(labels),
                PricePerHour = price < 0 || csv.IsMissing(price) ? 0 : csv.GetDouble(price),
                IdleWatts = idle < 0 || csv.IsMissing(idle) ? 0 : csv.GetDouble(idle),
                PeakWatts = peak < 0 || csv.IsMissing(peak) ? 0 : csv.GetDouble(peak),
                State = state < 0 || csv.IsMissing(state) ? NodeState.Ready : ParseState(csv, state),
                Power = ReadPower(csv, power),
            });
        }

        return nodes;
    }

    private static NodePowerSpec? ReadPower(CsvRecordReader csv, int[] columns)
    {
        if (columns.All(c => c < 0 || csv.IsMissing(c)))
        {
            return null;
        }

        int? Int(int k, int min, int max) => columns[k] < 0 || csv.IsMissing(columns[k]) ? null : csv.GetInt32(columns[k], min, max);
        double? Watts(int k)
        {
            if (columns[k] < 0 || csv.IsMissing(columns[k]))
            {
                return null;
            }

            var w = csv.GetDouble(columns[k]);
            return w <= NodePowerLimits.MaxWatts ? w : throw csv.Error(columns[k], $"{w} W is more than {NodePowerLimits.MaxWatts} W");
        }

        return new NodePowerSpec
        {
            CpuSockets = Int(0, 0, NodePowerLimits.MaxSockets),
            CoresPerSocket = Int(1, 1, NodePowerLimits.MaxCores),
            ThreadsPerCore = Int(2, 1, 8),
            CpuIdleWatts = Watts(3),
            CpuActiveWatts = Watts(4),
            GpuIdleWatts = Watts(5),
            GpuMaxWatts = Watts(6),
            BaseWatts = Watts(7),
            StandbyWatts = Watts(8),
        };
    }

    private static NodeState ParseState(CsvRecordReader csv, int column) =>
        Enum.TryParse<NodeState>(csv[column], ignoreCase: true, out var state) && Enum.IsDefined(state)
            ? state
            : throw csv.Error(column, $"'{csv[column]}' is not a node state; expected Ready, Draining or Down");
}
