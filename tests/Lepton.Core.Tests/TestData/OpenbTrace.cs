using System.Globalization;
using Lepton.Core.Cluster;
using Lepton.Core.Workloads;

namespace Lepton.Core.Tests.TestData;

/// <summary>Reads the openb CSVs from ../shared/traces (found by walking up from the test assembly) with a tiny parser.</summary>
internal static class OpenbTrace
{
    public static string Directory
    {
        get
        {
            if (Environment.GetEnvironmentVariable("LEPTON_TRACES") is { Length: > 0 } named)
            {
                return Path.Combine(named, "openb");
            }

            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "shared", "traces", "openb");
                if (System.IO.Directory.Exists(candidate))
                {
                    return candidate;
                }
            }

            throw new DirectoryNotFoundException("this test reads the public openb trace: set LEPTON_TRACES to the folder holding openb/ "
                + "(README.md, section 'Traces', says where to get it); no shared/traces/openb folder above " + AppContext.BaseDirectory);
        }
    }

    public static IReadOnlyList<NodeSpec> GpuNodes() =>
        [.. Rows("openb_node_list_gpu_node.csv").Select(r => new NodeSpec
        {
            Name = r["sn"],
            CpuMilli = long.Parse(r["cpu_milli"], CultureInfo.InvariantCulture),
            MemoryMiB = long.Parse(r["memory_mib"], CultureInfo.InvariantCulture),
            GpuCount = int.Parse(r["gpu"], CultureInfo.InvariantCulture),
            GpuModel = r["model"] is "nan" or "" ? "" : r["model"],
        })];

    public static IReadOnlyList<TaskRequest> Pods(string workload) =>
        [.. Rows($"openb_pod_list_{workload}.csv").Select(r =>
        {
            var n = int.Parse(r["num_gpu"], CultureInfo.InvariantCulture);
            var milli = int.Parse(r["gpu_milli"], CultureInfo.InvariantCulture);
            var spec = r.GetValueOrDefault("gpu_spec", "");
            return new TaskRequest
            {
                Name = r["name"],
                CpuMilli = long.Parse(r["cpu_milli"], CultureInfo.InvariantCulture),
                MemoryMiB = long.Parse(r["memory_mib"], CultureInfo.InvariantCulture),
                GpuCount = n,
                GpuMilliPerGpu = n == 0 ? 0 : milli > 1000 ? 1000 : milli,
                GpuModels = n == 0 || spec is "" or "nan" ? [] : spec.Split('|', StringSplitOptions.RemoveEmptyEntries),
            };
        })];

    private static IEnumerable<Dictionary<string, string>> Rows(string file)
    {
        using var reader = new StreamReader(Path.Combine(Directory, file));
        var header = reader.ReadLine()!.Split(',');
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            var cells = line.Split(',');
            var row = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < header.Length; i++)
            {
                row[header[i]] = i < cells.Length ? cells[i] : "";
            }

            yield return row;
        }
    }
}
