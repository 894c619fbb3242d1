using System.Globalization;
using Lepton.Core.Workloads;
using Lepton.Simulation.Jobs;

namespace Lepton.Simulation.Traces;

/// <summary>Reads a Gavel job trace (<c>.trace</c>: tab-separated, no header) as jobs whose run time depends on the GPU model.</summary>
/// <remarks>
/// <para>Two layouts exist in Gavel's repository, told apart by the field count: the MSR/Philly traces
/// (<c>msr/seed*/</c>, 7 fields: job type, command, step-argument name, needs-data-dir flag, total steps, arrival (s),
/// scale factor) and the physical-cluster traces (10 fields: job type, command, working directory, step-argument
/// name, needs-data-dir flag, total steps, scale factor, priority weight, SLO, arrival (s)).</para>
/// <para>A job of scale factor <c>k</c> is a gang of <c>k</c> one-GPU replicas named <c>job-N</c> (N is the 0-based
/// line, as Gavel numbers jobs). Its run time on model <c>m</c> is <c>total steps / throughput(m)</c>, where the
/// throughput is Gavel's measured steps/s of (job type, k) alone on <c>m</c>
/// (<see cref="GavelThroughputs"/>); the replicas may only use models with a measured throughput, and each carries
/// the per-GPU throughput table so heterogeneity-aware policies see it. The base <see cref="SimulatedJob.Duration"/>
/// is the run time on the slowest such model. Gavel measured scale factors 1, 2, 4 and 8 only; a larger gang (the MSR
/// traces have up to 64) is given the 8-GPU throughput scaled linearly (label <c>throughput=extrapolated</c>), an
/// optimistic choice that favours no policy.</para>
/// </remarks>
public static class GavelTraceReader
{
    /// <summary>Reads <paramref name="path"/> with throughputs from <paramref name="throughputs"/>.</summary>
    /// <exception cref="TraceFormatException">A line is malformed or its job type has no throughput; names file, line and field.</exception>
    public static JobTrace Read(string path, GavelThroughputs throughputs)
    {
        using var reader = new StreamReader(path);
        return Read(reader, path, throughputs);
    }

    /// <summary>Reads a trace from <paramref name="reader"/>; <paramref name="file"/> names it in errors.</summary>
    public static JobTrace Read(TextReader reader, string file, GavelThroughputs throughputs)
    {
        ArgumentNullException.ThrowIfNull(throughputs);
        var jobs = new List<SimulatedJob>();
        var perGpuTables = new Dictionary<(string, int), (IReadOnlyDictionary<string, double> PerGpu, string[] Models, bool Extrapolated)>();
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var fields = line.Split('\t');
            var (stepsField, arrivalField, scaleField) = fields.Length switch
            {
                7 => (4, 5, 6),
                10 => (5, 9, 6),
                _ => throw new TraceFormatException(file, lineNumber, "fields",
                    $"{fields.Length} tab-separated fields; a Gavel trace line has 7 (msr: type, command, step arg, data-dir flag, steps, arrival, scale factor) or 10 (physical cluster)"),
            };
            string[] names = fields.Length == 7
                ? ["job_type", "command", "step_arg", "needs_data_dir", "total_steps", "arrival", "scale_factor"]
                : ["job_type", "command", "working_directory", "step_arg", "needs_data_dir", "total_steps", "scale_factor", "priority_weight", "slo", "arrival"];
            var jobType = fields[0].Trim();
            if (jobType.Length == 0)
            {
                throw new TraceFormatException(file, lineNumber, "job_type", "is empty");
            }

            double Number(int field)
            {
                return TraceNumbers.TryParse(fields[field], out var value) && value >= 0
                    ? value
                    : throw new TraceFormatException(file, lineNumber, names[field], $"'{fields[field]}' is not a non-negative number");
            }

            var steps = Number(stepsField);
            var arrival = Number(arrivalField);
            var scaleValue = Number(scaleField);
            if (scaleValue != Math.Floor(scaleValue) || scaleValue is < 1 or > 1024)
            {
                throw new TraceFormatException(file, lineNumber, names[scaleField], $"'{fields[scaleField]}' is not a GPU count in 1..1024");
            }

            var scale = (int)scaleValue;
            if (!perGpuTables.TryGetValue((jobType, scale), out var table))
            {
                table = PerGpu(throughputs, jobType, scale)
                    ?? throw new TraceFormatException(file, lineNumber, "job_type",
                        $"no throughput for ('{jobType}', {scale}) in {throughputs.File}");
                perGpuTables.Add((jobType, scale), table);
            }

            var durations = new Dictionary<string, TimeSpan>(StringComparer.OrdinalIgnoreCase);
            var slowest = TimeSpan.Zero;
            foreach (var (model, perGpu) in table.PerGpu)
            {
                var duration = TimeSpan.FromSeconds(steps / (perGpu * scale));
                durations[model] = duration;
                slowest = duration > slowest ? duration : slowest;
            }

            var name = "job-" + jobs.Count.ToString(CultureInfo.InvariantCulture);
            var replica = new TaskRequest
            {
                Name = name,
                GpuCount = 1,
                GpuMilliPerGpu = 1000,
                GpuModels = table.Models,
                GpuModelThroughput = table.PerGpu,
                Gang = scale > 1 ? name : null,
            };
            var replicas = new TaskRequest[scale];
            for (var r = 0; r < scale; r++)
            {
                replicas[r] = scale == 1 ? replica : replica with { Name = name + "-" + r.ToString(CultureInfo.InvariantCulture) };
            }

            var labels = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["job_type"] = jobType,
                ["scale_factor"] = scale.ToString(CultureInfo.InvariantCulture),
                ["total_steps"] = steps.ToString(CultureInfo.InvariantCulture),
            };
            if (table.Extrapolated)
            {
                labels["throughput"] = "extrapolated";
            }

            jobs.Add(new SimulatedJob(name, TimeSpan.FromSeconds(arrival), slowest, null, replicas, lineNumber)
            {
                DurationByModel = durations,
                Labels = labels,
            });
        }

        return new JobTrace(JobTraceFormats.Gavel, jobs, []);
    }

    /// <summary>Per-GPU throughput per model for (type, scale): measured, or the largest measured scale's scaled linearly.</summary>
    private static (IReadOnlyDictionary<string, double>, string[], bool)? PerGpu(GavelThroughputs throughputs, string jobType, int scale)
    {
        var measured = throughputs.Get(jobType, scale);
        var extrapolated = false;
        var measuredScale = scale;
        if (measured is null)
        {
            foreach (var candidate in (int[])[8, 4, 2, 1])
            {
                if (candidate < scale && throughputs.Get(jobType, candidate) is { } smaller)
                {
                    measured = smaller;
                    measuredScale = candidate;
                    extrapolated = true;
                    break;
                }
            }
        }

        if (measured is null)
        {
            return null;
        }

        var perGpu = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
        foreach (var (model, value) in measured)
        {
            perGpu[model] = value / measuredScale;
        }

        return (perGpu, [.. perGpu.Keys.Order(StringComparer.OrdinalIgnoreCase)], extrapolated);
    }
}
