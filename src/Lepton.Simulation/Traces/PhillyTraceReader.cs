using System.Globalization;
using System.Text.RegularExpressions;
using Lepton.Core.Workloads;
using Lepton.Simulation.Jobs;

namespace Lepton.Simulation.Traces;

/// <summary>Reads the Philly subset (<c>philly-subset/train.csv</c>: status, vc, jobid, submitted_time, user, runtime_min,
/// start_time, end_time, detail) as jobs of tenant <c>vc</c>, and <c>vc_nodes.csv</c> as each team's node count.</summary>
/// <remarks>A job's GPU count is the number of GPUs its <c>detail</c> lists; it becomes a gang of 8-GPU replicas (one
/// replica for the GPUs beyond the last multiple of 8), 4 cores and 16 GiB per GPU. Arrival is the submit time from the
/// earliest job; run time is <c>runtime_min</c>. The user goes to label <c>user</c>; jobs are preemptible (Philly
/// restarts jobs; reclaim needs preemptible work).</remarks>
public static partial class PhillyTraceReader
{
    /// <summary>GPUs per Philly node.</summary>
    public const int GpusPerNode = 8;

    /// <summary>Reads the jobs of <paramref name="path"/>, ordered by submit time (ties: file order).</summary>
    /// <exception cref="TraceFormatException">A field is missing or malformed; names file, line and field.</exception>
    public static IReadOnlyList<PhillyJob> Read(string path)
    {
        using var csv = CsvRecordReader.Open(path);
        int Column(string name) => csv.Header.IndexOf(name) is var i and >= 0
            ? i
            : throw new TraceFormatException(path, 1, name, "column missing from the header");
        int vc = Column("vc"), id = Column("jobid"), submitted = Column("submitted_time"), user = Column("user"),
            runtime = Column("runtime_min"), detail = Column("detail"), status = Column("status");
        var rows = new List<PhillyJob>();
        while (csv.Read())
        {
            var line = csv.LineNumber;
            if (!DateTime.TryParseExact(csv.GetString(submitted), "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var submit))
            {
                throw new TraceFormatException(path, line, "submitted_time", "expected YYYY-MM-DD HH:MM:SS");
            }

            if (!double.TryParse(csv.GetString(runtime), NumberStyles.Float, CultureInfo.InvariantCulture, out var minutes) || !double.IsFinite(minutes) || minutes <= 0)
            {
                throw new TraceFormatException(path, line, "runtime_min", "expected a positive number of minutes");
            }

            var gpus = GpuName().Count(csv.GetString(detail));
            if (gpus == 0)
            {
                throw new TraceFormatException(path, line, "detail", "lists no GPU");
            }

            rows.Add(new PhillyJob(csv.GetString(id), csv.GetString(vc), csv.GetString(user), submit, TimeSpan.FromMinutes(minutes), gpus,
                csv.GetString(status), line));
        }

        return [.. rows.Select((r, i) => (r, i)).OrderBy(x => x.r.Submitted).ThenBy(x => x.i).Select(x => x.r)];
    }

    /// <summary>Reads <c>vc_nodes.csv</c>: nodes per team.</summary>
    public static IReadOnlyDictionary<string, int> ReadNodes(string path)
    {
        using var csv = CsvRecordReader.Open(path);
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        while (csv.Read())
        {
            if (!int.TryParse(csv.GetString(1), NumberStyles.None, CultureInfo.InvariantCulture, out var nodes) || nodes < 0)
            {
                throw new TraceFormatException(path, csv.LineNumber, csv.Header.Names[1], "expected a node count");
            }

            result[csv.GetString(0)] = nodes;
        }

        return result;
    }

    /// <summary>The jobs as a simulator trace: arrival from the first submit, gangs of 8-GPU replicas.</summary>
    public static IReadOnlyList<SimulatedJob> ToSimulated(IReadOnlyList<PhillyJob> jobs)
    {
        if (jobs.Count == 0)
        {
            return [];
        }

        var first = jobs.Min(j => j.Submitted);
        var result = new List<SimulatedJob>(jobs.Count);
        foreach (var job in jobs)
        {
            // Whole 8-GPU replicas, and one replica for the rest: the gang holds exactly the GPUs the job held.
            var replicas = new List<TaskRequest>();
            for (var left = job.Gpus; left > 0; left -= GpusPerNode)
            {
                var gpus = Math.Min(GpusPerNode, left);
                replicas.Add(new TaskRequest
                {
                    Name = job.Id,
                    CpuMilli = gpus * 4000L,
                    MemoryMiB = gpus * 16_384L,
                    GpuCount = gpus,
                    GpuMilliPerGpu = 1000,
                    Preemptible = true,
                });
            }

            result.Add(new SimulatedJob(job.Id, job.Submitted - first, job.Runtime, null, replicas, job.Line)
            {
                Tenant = job.Tenant,
                Labels = new Dictionary<string, string>(StringComparer.Ordinal) { ["user"] = job.User },
            });
        }

        return result;
    }

    [GeneratedRegex(@"gpu\d+")]
    private static partial Regex GpuName();
}
