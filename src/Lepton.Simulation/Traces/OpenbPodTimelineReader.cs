using Lepton.Core.Workloads;
using Lepton.Simulation.Jobs;

namespace Lepton.Simulation.Traces;

/// <summary>Reads an openb pod list over time, as published (<c>name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,
/// pod_phase,creation_time,deletion_time,scheduled_time</c>), as jobs to replay.</summary>
/// <remarks>
/// <para>Each pod is a one-replica job. The request follows FGD-SPEC §1.2 exactly as <see cref="OpenbPodReader"/> does.
/// Arrival is <c>creation_time</c>; the run time is <c>deletion_time − scheduled_time</c> (how long the pod held its
/// resources in the real cluster); the wait before it is what the simulation decides. <c>qos</c> and <c>pod_phase</c>
/// are kept as labels.</para>
/// <para>A pod without <c>scheduled_time</c> never ran (in <c>default</c>: the 897 <c>Pending</c> pods); it has no run
/// time, so it is reported in <see cref="JobTrace.NeverRan"/> instead of being replayed. A pod without
/// <c>deletion_time</c> was still running at the end of the trace: it runs until the latest time in the file and is
/// marked <see cref="SimulatedJob.Censored"/>. Times may use any number notation (<c>2.67754e+06</c>).</para>
/// </remarks>
public static class OpenbPodTimelineReader
{
    private static readonly string[] KnownColumns =
        ["name", "cpu_milli", "memory_mib", "num_gpu", "gpu_milli", "gpu_spec", "qos", "pod_phase", "creation_time", "deletion_time", "scheduled_time"];

    /// <summary>Reads the pod list at <paramref name="path"/>.</summary>
    /// <exception cref="TraceFormatException">A line is malformed; the message names file, line and column.</exception>
    public static JobTrace Read(string path)
    {
        using var csv = CsvRecordReader.Open(path);
        return Read(csv);
    }

    /// <summary>Reads a pod list from <paramref name="reader"/>; <paramref name="file"/> names it in errors.</summary>
    public static JobTrace Read(TextReader reader, string file)
    {
        using var csv = new CsvRecordReader(reader, file);
        return Read(csv);
    }

    private static JobTrace Read(CsvRecordReader csv)
    {
        csv.RejectUnknownColumns(KnownColumns, "openb pod");
        var name = csv.RequireColumn("name");
        var cpu = csv.RequireColumn("cpu_milli");
        var memory = csv.RequireColumn("memory_mib");
        var numGpu = csv.RequireColumn("num_gpu");
        var gpuMilli = csv.RequireColumn("gpu_milli");
        var creation = csv.RequireColumn("creation_time");
        var deletion = csv.RequireColumn("deletion_time");
        var scheduled = csv.RequireColumn("scheduled_time");
        var header = csv.Header;
        var gpuSpec = header.IndexOf("gpu_spec");
        var qos = header.IndexOf("qos");
        var phase = header.IndexOf("pod_phase");

        var specs = new StringPool<string[]>(SplitSpec);
        var strings = new StringPool<string>(s => s.ToString());
        var labelSets = new Dictionary<(string Qos, string Phase), IReadOnlyDictionary<string, string>>();
        var firstLine = new Dictionary<string, int>(StringComparer.Ordinal);
        var jobs = new List<SimulatedJob>();
        var neverRan = new List<NeverRanJob>();
        var open = new List<(int Index, double Start)>();
        var end = 0.0;
        while (csv.Read())
        {
            var podName = csv.GetUniqueName(name, firstLine, "pod name");

            var n = csv.GetInt32(numGpu, 0, 64);
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

            var qosText = qos >= 0 && !csv.IsMissing(qos) ? strings.Get(csv[qos]) : "";
            var phaseText = phase >= 0 && !csv.IsMissing(phase) ? strings.Get(csv[phase]) : "";
            var created = TraceNumbers.Seconds(csv, creation);
            end = Math.Max(end, created);
            if (csv.IsMissing(scheduled))
            {
                neverRan.Add(new NeverRanJob(podName, csv.LineNumber,
                    phaseText.Length > 0 ? $"pod_phase {phaseText}: never scheduled in the trace" : "never scheduled in the trace"));
                if (!csv.IsMissing(deletion))
                {
                    end = Math.Max(end, TraceNumbers.Seconds(csv, deletion));
                }

                continue;
            }

            var start = TraceNumbers.Seconds(csv, scheduled);
            var ran = TraceNumbers.RunSeconds(csv, created, start, scheduled, deletion, ref end);
            var censored = ran is null;
            var run = ran ?? 0.0;
            if (censored)
            {
                open.Add((jobs.Count, start));
            }

            if (!labelSets.TryGetValue((qosText, phaseText), out var labels))
            {
                labels = new Dictionary<string, string>(StringComparer.Ordinal) { ["qos"] = qosText, ["pod_phase"] = phaseText };
                labelSets.Add((qosText, phaseText), labels);
            }

            var task = new TaskRequest
            {
                Name = podName,
                CpuMilli = csv.GetInt64(cpu),
                MemoryMiB = csv.GetInt64(memory),
                GpuCount = n,
                GpuMilliPerGpu = g,
                GpuModels = models,
            };
            jobs.Add(new SimulatedJob(podName, TimeSpan.FromSeconds(created), TimeSpan.FromSeconds(run), null, [task], csv.LineNumber)
            {
                Labels = labels,
                Censored = censored,
            });
        }

        // A pod still running at the end of the trace holds its resources until the last recorded instant.
        foreach (var (index, start) in open)
        {
            jobs[index] = jobs[index] with { Duration = TimeSpan.FromSeconds(end - start) };
        }

        return new JobTrace(JobTraceFormats.Openb, jobs, neverRan);
    }

    private static string[] SplitSpec(ReadOnlySpan<char> spec)
    {
        var models = new List<string>();
        foreach (var range in spec.Split('|'))
        {
            var piece = spec[range].Trim();
            if (!piece.IsEmpty && !piece.Equals("nan", StringComparison.OrdinalIgnoreCase))
            {
                models.Add(piece.ToString());
            }
        }

        return [.. models];
    }
}
