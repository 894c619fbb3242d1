using System.Globalization;
using Lepton.Simulation.Traces;

namespace Lepton.Simulation.Experiments;

/// <summary>The published openb results (one row per run: workload, policy, tune, seed, grid columns), read at run time.</summary>
/// <remarks>
/// Reads <c>analysis_allo_discrete.csv</c>, <c>analysis_frag_discrete.csv</c> and <c>analysis_frag_ratio_discrete.csv</c>
/// from <c>shared/traces/openb/fgd-published</c>; any of them may be absent. Workloads are keyed by their short name
/// (<c>default</c>) and policies by their Lepton name (<c>bestfit</c>), so lookups use the same names as our runs.
/// No published number is compiled into Lepton.
/// </remarks>
public sealed class PublishedOpenbResults
{
    private static readonly (PublishedMetric Metric, string File)[] Files =
    [
        (PublishedMetric.Allocation, "analysis_allo_discrete.csv"),
        (PublishedMetric.Fragmentation, "analysis_frag_discrete.csv"),
        (PublishedMetric.FragmentationRatio, "analysis_frag_ratio_discrete.csv"),
    ];

    private readonly Dictionary<(PublishedMetric, string, string), List<PublishedRun>> _runs = [];

    private PublishedOpenbResults()
    {
    }

    /// <summary>An instance with no published data (lookups return nothing).</summary>
    public static PublishedOpenbResults Empty { get; } = new();

    /// <summary>True when at least one file was read.</summary>
    public bool HasData => _runs.Count > 0;

    /// <summary>Reads the published files in <paramref name="directory"/> (missing files are skipped).</summary>
    /// <exception cref="TraceFormatException">A file is malformed.</exception>
    public static PublishedOpenbResults Load(string directory)
    {
        var results = new PublishedOpenbResults();
        foreach (var (metric, file) in Files)
        {
            var path = Path.Combine(directory, file);
            if (File.Exists(path))
            {
                results.Read(metric, path);
            }
        }

        return results;
    }

    /// <summary>Median, min and max over the published seeds at grid column <paramref name="arrivedPct"/>, or null when not published.</summary>
    public Statistics? At(PublishedMetric metric, string trace, string policy, int arrivedPct)
    {
        if (!_runs.TryGetValue((metric, trace, policy), out var runs))
        {
            return null;
        }

        var stats = Statistics.Of(runs.Select(r => r.Value(arrivedPct)));
        return stats.Count == 0 ? null : stats;
    }

    /// <summary>The per-column median over seeds (index = arrived %), or null when not published.</summary>
    public double[]? MedianSeries(PublishedMetric metric, string trace, string policy, int maxPercent)
    {
        if (!_runs.ContainsKey((metric, trace, policy)))
        {
            return null;
        }

        var series = new double[maxPercent + 1];
        for (var a = 0; a <= maxPercent; a++)
        {
            series[a] = At(metric, trace, policy, a)?.Median ?? double.NaN;
        }

        return series;
    }

    private void Read(PublishedMetric metric, string path)
    {
        using var reader = new StreamReader(path);
        var header = reader.ReadLine() ?? throw new TraceFormatException(path, 1, "header", "the file is empty");
        var names = header.Split(',');
        var workloadColumn = Array.IndexOf(names, "workload");
        var policyColumn = Array.IndexOf(names, "sc_policy");
        var seedColumn = Array.IndexOf(names, "seed");
        if (workloadColumn < 0 || policyColumn < 0 || seedColumn < 0)
        {
            throw new TraceFormatException(path, 1, "header", "expected columns workload, sc_policy and seed");
        }

        // Grid columns are the ones named by an integer (0 … 130); total_gpus and tune are not integers-as-names.
        var grid = new List<(int Column, int Arrived)>();
        for (var c = 0; c < names.Length; c++)
        {
            if (int.TryParse(names[c], NumberStyles.None, CultureInfo.InvariantCulture, out var arrived))
            {
                grid.Add((c, arrived));
            }
        }

        var maxArrived = grid.Count == 0 ? 0 : grid.Max(g => g.Arrived);
        var lineNumber = 1;
        for (var line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            var fields = line.Split(',');
            if (fields.Length != names.Length)
            {
                throw new TraceFormatException(path, lineNumber, "row", $"has {fields.Length} fields, the header has {names.Length}");
            }

            var values = new double[maxArrived + 1];
            Array.Fill(values, double.NaN);
            foreach (var (column, arrived) in grid)
            {
                var text = fields[column];
                if (text.Length == 0)
                {
                    continue;
                }

                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out values[arrived]))
                {
                    throw new TraceFormatException(path, lineNumber, names[column], $"'{text}' is not a number");
                }
            }

            var key = (metric, OpenbCatalog.WorkloadName(fields[workloadColumn]), OpenbCatalog.PolicyName(fields[policyColumn]));
            if (!_runs.TryGetValue(key, out var list))
            {
                _runs[key] = list = [];
            }

            list.Add(new PublishedRun(fields[seedColumn], values));
        }
    }

    private sealed record PublishedRun(string Seed, double[] Values)
    {
        public double Value(int arrivedPct) => (uint)arrivedPct < (uint)Values.Length ? Values[arrivedPct] : double.NaN;
    }
}
