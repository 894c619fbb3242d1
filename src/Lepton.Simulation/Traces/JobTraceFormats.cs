namespace Lepton.Simulation.Traces;

/// <summary>The job-trace formats <c>lepton simulate jobs</c> reads, and how a file's format is guessed.</summary>
public static class JobTraceFormats
{
    /// <summary>Lepton's YAML <c>jobs:</c> list.</summary>
    public const string LeptonYaml = "lepton-yaml";

    /// <summary>Lepton's job CSV (<c>name,arrival,duration,…</c>).</summary>
    public const string LeptonCsv = "lepton-csv";

    /// <summary>An openb pod list with <c>creation_time</c>/<c>deletion_time</c>, as published.</summary>
    public const string Openb = "openb";

    /// <summary>A Gavel <c>.trace</c> file (tab-separated, no header).</summary>
    public const string Gavel = "gavel";

    /// <summary>Alibaba's 2025 disaggregated DLRM inference trace.</summary>
    public const string AlibabaDlrm = "alibaba-dlrm";

    /// <summary>Every format name (plus <c>lepton</c>: YAML or CSV by content).</summary>
    public static IReadOnlyList<string> All { get; } = ["lepton", LeptonYaml, LeptonCsv, Openb, Gavel, AlibabaDlrm];

    /// <summary>Normalises a user-given format name; null when unknown.</summary>
    public static string? Normalise(string name, string path) => name.Trim().ToLowerInvariant() switch
    {
        "lepton" => FileFormat.IsCsv(path, "job") ? LeptonCsv : LeptonYaml,
        "lepton-yaml" or "yaml" => LeptonYaml,
        "lepton-csv" or "csv" => LeptonCsv,
        "openb" => Openb,
        "gavel" => Gavel,
        "alibaba-dlrm" or "alibaba-v2025" or "dlrm" => AlibabaDlrm,
        _ => null,
    };

    /// <summary>Guesses the format of <paramref name="path"/> from its extension and first line.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="TraceFormatException">The header is recognisably something that cannot be replayed (e.g. an openb pod
    /// list without times).</exception>
    public static string Detect(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(Directory.Exists(path) ? $"job file '{path}' is a directory" : $"job file '{path}' not found", path);
        }

        var extension = Path.GetExtension(path);
        if (extension.Equals(".trace", StringComparison.OrdinalIgnoreCase))
        {
            return Gavel;
        }

        if (extension.Equals(".yaml", StringComparison.OrdinalIgnoreCase) || extension.Equals(".yml", StringComparison.OrdinalIgnoreCase))
        {
            return LeptonYaml;
        }

        var first = FileFormat.FirstNonBlankLine(path, out var lineNumber);

        if (first is null)
        {
            return extension.Equals(".csv", StringComparison.OrdinalIgnoreCase) ? LeptonCsv : LeptonYaml;
        }

        if (first.Split('\t').Length >= 7)
        {
            return Gavel;
        }

        if (!extension.Equals(".csv", StringComparison.OrdinalIgnoreCase) && !FileFormat.IsCsv(path, "job"))
        {
            return LeptonYaml;
        }

        var columns = first.Split(',', StringSplitOptions.TrimEntries).Select(c => c.Trim('"')).ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (columns.Contains("instance_sn") && columns.Contains("max_instance_per_node"))
        {
            return AlibabaDlrm;
        }

        if (columns.Contains("num_gpu") && !columns.Contains("duration"))
        {
            if (columns.Contains("creation_time") && columns.Contains("deletion_time"))
            {
                return Openb;
            }

            throw new TraceFormatException(path, lineNumber, "creation_time",
                "this openb pod list has no creation_time/deletion_time, so it cannot be replayed over time; use `lepton simulate openb` or `lepton place`");
        }

        return LeptonCsv;
    }
}
