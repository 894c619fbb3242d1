using System.Globalization;
using Lepton.Core.Workloads;
using Lepton.Simulation.Traces;

namespace Lepton.Simulation.Jobs;

/// <summary>Reads a job trace for <c>lepton simulate jobs</c>: Lepton's YAML or CSV, or a published trace as it is (openb pod
/// lists over time, Gavel <c>.trace</c> files, Alibaba's 2025 DLRM trace), the format given or guessed from the file.</summary>
/// <remarks>
/// <para>YAML: a <c>jobs:</c> list whose entries are Lepton job specs (the <c>resources</c> block, <c>replicas</c>,
/// <c>priority</c>, … as in <c>lepton place</c> task files) plus three trace keys:</para>
/// <code>
/// jobs:
///   - name: train-a
///     arrival: 0h          # offset from the start of the trace: 90s, 15m, 2.5h, 1d; a plain number is seconds
///     duration: 2h         # run time once every replica is placed (required)
///     cost: 10             # optional: the job's own cost, summed in the report
///     replicas: 1          # a gang: all replicas start together
///     priority: 5
///     tenant: team-a       # optional: owner, for quotas and per-tenant metrics (default "default")
///     deadline: 6h         # optional: completion-time objective from arrival (SLO misses are counted)
///     estimate: 3h         # optional: the duration the scheduler is told (EASY backfill); default: the true one
///     resources: {cpu: 8, memory: 32Gi, gpu: 1}
/// </code>
/// <para>CSV: header <c>name,arrival,duration,cost,replicas,priority,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec</c>;
/// only <c>name</c> and <c>duration</c> are required, <c>arrival</c> and <c>duration</c> take the same units as YAML,
/// <c>gpu_milli</c> is per GPU (1..999 shares one GPU; empty or 0 with <c>num_gpu</c> &gt; 0 means whole GPUs) and
/// <c>gpu_spec</c> lists allowed models separated by <c>|</c>.</para>
/// <para>Both also take <c>maxPerNode</c> / <c>max_per_node</c> and <c>app</c> (anti-affinity), RDMA
/// (<c>resources.rdma</c> in NICs / <c>rdma_milli</c>), <c>fpga</c>, network (<c>network_mbps</c>),
/// <c>preemptible</c> and a node selector (<c>node_selector</c> as <c>key=value;key=value</c> in CSV), and a run time
/// per GPU model: <c>durationByModel: {V100: 1h, K80: 3h}</c> in YAML, columns <c>duration_V100</c>, … in CSV. The
/// job then runs that long on that model (<see cref="SimulatedJob.DurationOn"/>) and its replicas carry the matching
/// relative throughput table for heterogeneity-aware policies.</para>
/// <para>Optional <c>tenant</c>, <c>deadline</c> and <c>estimate</c> keys (YAML) and columns (CSV) give the owning tenant,
/// the completion-time objective and the declared run time the scheduler sees.</para>
/// <para>Job names must be unique. A bad value is a <see cref="TraceFormatException"/> naming file, line and field.
/// Numbers may use any common notation (<c>2.67754e+06</c>).</para>
/// </remarks>
public static class JobFileReader
{
    private static readonly string[] JobKeys =
        ["name", "arrival", "duration", "durationByModel", "cost", "replicas", "priority", "preemptible", "resources", "nodeSelector", "maxPerNode", "app",
            "command", "env", "maxRetries", "tenant", "deadline", "estimate", .. YamlPlacementFields.Keys];

    private static readonly string[] CsvColumns =
        ["name", "arrival", "duration", "cost", "replicas", "priority", "cpu_milli", "memory_mib", "num_gpu", "gpu_milli", "gpu_spec",
            "fpga", "network_mbps", "rdma_milli", "max_per_node", "app", "preemptible", "node_selector",
            "tenant", "deadline", "estimate"];

    private const string DurationColumnPrefix = "duration_";

    private static readonly IReadOnlyDictionary<string, string> NoSelector = new Dictionary<string, string>();

    private static readonly IReadOnlyDictionary<string, double> NoThroughput = new Dictionary<string, double>();

    /// <summary>Reads the jobs in <paramref name="path"/>, in file order.</summary>
    /// <exception cref="TraceFormatException">The file is malformed.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static IReadOnlyList<SimulatedJob> Read(string path) => ReadTrace(path).Jobs;

    /// <summary>Reads the trace in <paramref name="path"/> in the given or guessed format.</summary>
    /// <exception cref="TraceFormatException">The file is malformed, or the format name is unknown.</exception>
    /// <exception cref="FileNotFoundException">The file (or Gavel's throughput file) does not exist.</exception>
    public static JobTrace ReadTrace(string path, JobTraceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        options ??= new JobTraceOptions();
        string format;
        if (options.Format is { } given)
        {
            format = JobTraceFormats.Normalise(given, path)
                ?? throw new TraceFormatException(path, 0, "--format", $"unknown format '{given}'; valid: {string.Join(", ", JobTraceFormats.All)}");
        }
        else
        {
            format = JobTraceFormats.Detect(path);
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"job file '{path}' not found", path);
        }

        switch (format)
        {
            case JobTraceFormats.Openb:
                return OpenbPodTimelineReader.Read(path);
            case JobTraceFormats.AlibabaDlrm:
                return AlibabaDlrmReader.Read(path);
            case JobTraceFormats.Gavel:
                var throughputs = options.ThroughputsPath ?? GavelThroughputs.Find(path)
                    ?? throw new FileNotFoundException(
                        $"a Gavel trace needs Gavel's simulation_throughputs.json: none next to '{path}' or in the folders above; give --throughputs FILE");
                if (!File.Exists(throughputs))
                {
                    throw new FileNotFoundException($"throughput file '{throughputs}' not found", throughputs);
                }

                return GavelTraceReader.Read(path, GavelThroughputs.Load(throughputs));
            case JobTraceFormats.LeptonCsv:
            {
                using var csv = CsvRecordReader.Open(path);
                return new JobTrace(format, ReadCsv(csv), []);
            }

            default:
            {
                InputLimits.EnsureSize(path, InputLimits.MaxYamlBytes, "YAML");
                using var reader = new StreamReader(path);
                return new JobTrace(format, ReadYaml(reader, path), []);
            }
        }
    }

    /// <summary>Reads YAML jobs from <paramref name="reader"/>; <paramref name="file"/> names it in errors.</summary>
    public static IReadOnlyList<SimulatedJob> ReadYaml(TextReader reader, string file)
    {
        var jobs = new List<SimulatedJob>();
        var firstLine = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in YamlEntryList.Load(reader, file, "jobs", isSingleEntry: false))
        {
            var yaml = new YamlMappingReader(entry, file, "", JobKeys);
            var name = yaml.GetRequiredString("name");
            if (!firstLine.TryAdd(name, yaml.Line))
            {
                throw yaml.Error("name", $"job name '{name}' appears twice (first on line {firstLine[name]})");
            }

            var arrival = yaml.GetString("arrival") is { } arrivalText ? Duration(arrivalText, () => yaml.Error("arrival", Problem(arrivalText))) : TimeSpan.Zero;
            var durationText = yaml.GetString("duration") ?? throw yaml.Error("duration", "is required (e.g. 2h, 30m, 90s)");
            var duration = Duration(durationText, () => yaml.Error("duration", Problem(durationText)));
            var replicas = yaml.GetInt32("replicas", 1, 100_000) ?? 1;
            Dictionary<string, TimeSpan>? byModel = null;
            foreach (var (model, text) in yaml.GetStringMap("durationByModel"))
            {
                byModel ??= new Dictionary<string, TimeSpan>(StringComparer.OrdinalIgnoreCase);
                if (!byModel.TryAdd(model, Duration(text, () => yaml.Error("durationByModel", $"{model}: {Problem(text)}"))))
                {
                    throw yaml.Error("durationByModel", $"model '{model}' appears twice (model names are case-insensitive)");
                }
            }

            var template = YamlTaskReader.WithResources(yaml.GetMapping("resources", YamlTaskReader.ResourceKeys), new TaskRequest
            {
                Name = name,
                Priority = yaml.GetInt32("priority", 1, 9) ?? 5,
                Preemptible = yaml.GetBoolean("preemptible") ?? false,
                NodeSelector = yaml.GetStringMap("nodeSelector"),
                MaxPerNode = yaml.GetInt32("maxPerNode", 0, 100_000) ?? 0,
                App = yaml.GetString("app"),
                GpuModelThroughput = Throughputs(byModel),
            });
            TimeSpan? Optional(string key) => yaml.GetString(key) is { } text ? Duration(text, () => yaml.Error(key, Problem(text))) : null;
            template = YamlPlacementFields.Apply(yaml, template, Optional("estimate") ?? duration);
            jobs.Add(new SimulatedJob(name, arrival, duration, yaml.GetDouble("cost"), Expand(template, replicas), yaml.Line)
            {
                Tenant = yaml.GetString("tenant") is { Length: > 0 } tenant ? tenant : "default",
                Deadline = Optional("deadline"),
                DeclaredDuration = Optional("estimate"),
                DurationByModel = byModel,
            });
        }

        return jobs;
    }

    private static List<SimulatedJob> ReadCsv(CsvRecordReader csv)
    {
        var header = csv.Header;
        var modelColumns = new List<(int Column, string Model)>();
        foreach (var column in header.Names)
        {
            if (column.StartsWith(DurationColumnPrefix, StringComparison.OrdinalIgnoreCase) && column.Length > DurationColumnPrefix.Length)
            {
                modelColumns.Add((header.IndexOf(column), column[DurationColumnPrefix.Length..]));
                continue;
            }

            if (!CsvColumns.Contains(column))
            {
                throw new TraceFormatException(csv.File, csv.LineNumber, column,
                    $"unknown column; expected some of {string.Join(", ", CsvColumns)} or duration_<GPU model>");
            }
        }

        foreach (var required in (string[])["name", "duration"])
        {
            if (!header.Contains(required))
            {
                throw new TraceFormatException(csv.File, csv.LineNumber, required, "required column is missing");
            }
        }

        int Column(string name) => header.IndexOf(name);
        var jobs = new List<SimulatedJob>();
        var firstLine = new Dictionary<string, int>(StringComparer.Ordinal);
        while (csv.Read())
        {
            var nameColumn = Column("name");
            var name = csv.GetUniqueName(nameColumn, firstLine, "job name");

            TimeSpan Time(string column, TimeSpan fallback)
            {
                var index = Column(column);
                if (index < 0 || csv.IsMissing(index))
                {
                    return fallback;
                }

                var text = csv.GetString(index);
                return Duration(text, () => csv.Error(index, Problem(text)));
            }

            long Integer(string column, long min, long max, long fallback) =>
                Column(column) is var index && index >= 0 && !csv.IsMissing(index) ? csv.GetInt64(index, min, max) : fallback;

            var durationColumn = Column("duration");
            if (csv.IsMissing(durationColumn))
            {
                throw csv.Error(durationColumn, "is required (e.g. 2h, 30m, 90s)");
            }

            var gpus = (int)Integer("num_gpu", 0, 64, 0);
            var milli = (int)Integer("gpu_milli", 0, 1_000_000, 0);
            var specColumn = Column("gpu_spec");
            var models = gpus > 0 && specColumn >= 0 && !csv.IsMissing(specColumn)
                ? csv.GetString(specColumn).Split('|', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                : [];
            var costColumn = Column("cost");
            Dictionary<string, TimeSpan>? byModel = null;
            foreach (var (index, model) in modelColumns)
            {
                if (!csv.IsMissing(index))
                {
                    var text = csv.GetString(index);
                    byModel ??= new Dictionary<string, TimeSpan>(StringComparer.OrdinalIgnoreCase);
                    if (!byModel.TryAdd(model, Duration(text, () => csv.Error(index, Problem(text)))))
                    {
                        throw csv.Error(index, $"model '{model}' has two duration columns (model names are case-insensitive)");
                    }
                }
            }

            var selectorColumn = Column("node_selector");
            var appColumn = Column("app");
            var preemptibleColumn = Column("preemptible");
            var template = new TaskRequest
            {
                Name = name,
                CpuMilli = Integer("cpu_milli", 0, long.MaxValue, 0),
                MemoryMiB = Integer("memory_mib", 0, long.MaxValue, 0),
                GpuCount = gpus,
                GpuMilliPerGpu = gpus == 0 ? 0 : milli is > 0 and < 1000 ? milli : 1000,
                GpuModels = models,
                Priority = (int)Integer("priority", 1, 9, 5),
                Fpga = (int)Integer("fpga", 0, 1024, 0),
                NetworkMbps = Integer("network_mbps", 0, long.MaxValue, 0),
                RdmaMilli = Integer("rdma_milli", 0, 64_000, 0),
                MaxPerNode = (int)Integer("max_per_node", 0, 100_000, 0),
                App = appColumn >= 0 && !csv.IsMissing(appColumn) ? csv.GetString(appColumn) : null,
                Preemptible = preemptibleColumn >= 0 && !csv.IsMissing(preemptibleColumn) && csv.GetBoolean(preemptibleColumn),
                NodeSelector = selectorColumn >= 0 && !csv.IsMissing(selectorColumn) ? csv.GetLabels(selectorColumn) : NoSelector,
                GpuModelThroughput = Throughputs(byModel),
            };
            if (gpus > 1 && template.GpuMilliPerGpu < 1000)
            {
                throw csv.Error(Column("gpu_milli"), "a share of a GPU (gpu_milli < 1000) needs num_gpu 1");
            }

            jobs.Add(new SimulatedJob(
                name,
                Time("arrival", TimeSpan.Zero),
                Time("duration", TimeSpan.Zero),
                costColumn >= 0 && !csv.IsMissing(costColumn) ? csv.GetDouble(costColumn) : null,
                Expand(template, (int)Integer("replicas", 1, 100_000, 1)),
                csv.LineNumber)
            {
                Tenant = Column("tenant") is var tenantColumn && tenantColumn >= 0 && !csv.IsMissing(tenantColumn) ? csv.GetString(tenantColumn) : "default",
                Deadline = Column("deadline") >= 0 && !csv.IsMissing(Column("deadline")) ? Time("deadline", TimeSpan.Zero) : null,
                DeclaredDuration = Column("estimate") >= 0 && !csv.IsMissing(Column("estimate")) ? Time("estimate", TimeSpan.Zero) : null,
                DurationByModel = byModel,
            });
        }

        return jobs;
    }

    /// <summary>Relative throughput per model from run times per model (1 / seconds): what heterogeneity-aware policies rank by.</summary>
    private static IReadOnlyDictionary<string, double> Throughputs(Dictionary<string, TimeSpan>? byModel)
    {
        if (byModel is null)
        {
            return NoThroughput;
        }

        var table = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
        {
            foreach (var (model, duration) in byModel)
            {
                table[model] = duration > TimeSpan.Zero ? 1.0 / duration.TotalSeconds : double.MaxValue;
            }
        }

        return table;
    }

    private static List<TaskRequest> Expand(TaskRequest template, int replicas)
    {
        if (replicas == 1)
        {
            return [template];
        }

        var tasks = new List<TaskRequest>(replicas);
        for (var i = 0; i < replicas; i++)
        {
            tasks.Add(template with { Name = template.Name + "-" + i.ToString(CultureInfo.InvariantCulture), Gang = template.Name });
        }

        return tasks;
    }

    private static TimeSpan Duration(string text, Func<TraceFormatException> error) =>
        SimulatedDuration.TryParse(text, out var value) ? value : throw error();

    private static string Problem(string text) => $"'{text}' is not a duration; expected a number with unit s, m, h or d (e.g. 2h)";
}
