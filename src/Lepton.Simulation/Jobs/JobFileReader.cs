using System.Globalization;
using Lepton.Core.Workloads;
using Lepton.Simulation.Traces;

namespace Lepton.Simulation.Jobs;

/// <summary>Reads a job trace for <c>lepton simulate jobs</c> from YAML or CSV (chosen by extension or content).</summary>
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
///     resources: {cpu: 8, memory: 32Gi, gpu: 1}
/// </code>
/// <para>CSV: header <c>name,arrival,duration,cost,replicas,priority,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec</c>;
/// only <c>name</c> and <c>duration</c> are required, <c>arrival</c> and <c>duration</c> take the same units as YAML,
/// <c>gpu_milli</c> is per GPU (1..999 shares one GPU; empty or 0 with <c>num_gpu</c> &gt; 0 means whole GPUs) and
/// <c>gpu_spec</c> lists allowed models separated by <c>|</c>.</para>
/// <para>Job names must be unique. A bad value is a <see cref="TraceFormatException"/> naming file, line and field.</para>
/// </remarks>
public static class JobFileReader
{
    private static readonly string[] JobKeys =
        ["name", "arrival", "duration", "cost", "replicas", "priority", "preemptible", "resources", "nodeSelector", "command", "env", "maxRetries"];

    private static readonly string[] CsvColumns =
        ["name", "arrival", "duration", "cost", "replicas", "priority", "cpu_milli", "memory_mib", "num_gpu", "gpu_milli", "gpu_spec"];

    /// <summary>Reads the jobs in <paramref name="path"/>, in file order.</summary>
    /// <exception cref="TraceFormatException">The file is malformed.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static IReadOnlyList<SimulatedJob> Read(string path)
    {
        if (FileFormat.IsCsv(path, "job"))
        {
            using var csv = CsvRecordReader.Open(path);
            return ReadCsv(csv);
        }

        InputLimits.EnsureSize(path, InputLimits.MaxYamlBytes, "YAML");
        using var reader = new StreamReader(path);
        return ReadYaml(reader, path);
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
            var template = YamlTaskReader.WithResources(yaml.GetMapping("resources", YamlTaskReader.ResourceKeys), new TaskRequest
            {
                Name = name,
                Priority = yaml.GetInt32("priority", 1, 9) ?? 5,
                Preemptible = yaml.GetBoolean("preemptible") ?? false,
                NodeSelector = yaml.GetStringMap("nodeSelector"),
            });
            jobs.Add(new SimulatedJob(name, arrival, duration, yaml.GetDouble("cost"), Expand(template, replicas), yaml.Line));
        }

        return jobs;
    }

    private static List<SimulatedJob> ReadCsv(CsvRecordReader csv)
    {
        var header = csv.Header;
        foreach (var column in header.Names)
        {
            if (!CsvColumns.Contains(column))
            {
                throw new TraceFormatException(csv.File, csv.LineNumber, column, $"unknown column; expected some of {string.Join(", ", CsvColumns)}");
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
            var name = csv.GetString(nameColumn);
            if (name.Length == 0)
            {
                throw csv.Error(nameColumn, "job name is empty");
            }

            if (!firstLine.TryAdd(name, csv.LineNumber))
            {
                throw csv.Error(nameColumn, $"job name '{name}' appears twice (first on line {firstLine[name]})");
            }

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
            var template = new TaskRequest
            {
                Name = name,
                CpuMilli = Integer("cpu_milli", 0, long.MaxValue, 0),
                MemoryMiB = Integer("memory_mib", 0, long.MaxValue, 0),
                GpuCount = gpus,
                GpuMilliPerGpu = gpus == 0 ? 0 : milli is > 0 and < 1000 ? milli : 1000,
                GpuModels = models,
                Priority = (int)Integer("priority", 1, 9, 5),
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
                csv.LineNumber));
        }

        return jobs;
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
