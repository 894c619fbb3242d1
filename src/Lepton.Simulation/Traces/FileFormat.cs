namespace Lepton.Simulation.Traces;

/// <summary>Recognises whether a node or task file is CSV or YAML.</summary>
internal static class FileFormat
{
    /// <summary>True for CSV, false for YAML: <c>.csv</c> is CSV, <c>.yaml</c>/<c>.yml</c> are YAML, and any other file is
    /// CSV when its first non-blank line looks like a CSV header (a comma-separated list of plain names).</summary>
    /// <param name="path">The file.</param>
    /// <param name="kind">"node" or "task", for the error message.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static bool IsCsv(string path, string kind)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(Directory.Exists(path) ? $"{kind} file '{path}' is a directory" : $"{kind} file '{path}' not found", path);
        }

        var extension = Path.GetExtension(path);
        if (extension.Equals(".csv", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (extension.Equals(".yaml", StringComparison.OrdinalIgnoreCase) || extension.Equals(".yml", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return FirstNonBlankLine(path, out _) is { } line && line.Contains(',') && !line.Contains(':') && !line.TrimStart().StartsWith('#');
    }

    /// <summary>The first non-blank line among the first 8 KiB of <paramref name="path"/>, or null when there is none.</summary>
    /// <remarks>Only the first few KiB decide a file's format: a file without line breaks (binary, sparse) must not be read
    /// whole to find a line.</remarks>
    /// <param name="path">The file.</param>
    /// <param name="lineNumber">The 1-based number of that line.</param>
    public static string? FirstNonBlankLine(string path, out int lineNumber)
    {
        using var reader = new StreamReader(path);
        var head = new char[8192];
        var length = reader.ReadBlock(head, 0, head.Length);
        lineNumber = 0;
        foreach (var line in new string(head, 0, length).Split('\n'))
        {
            lineNumber++;
            if (!string.IsNullOrWhiteSpace(line))
            {
                return line.TrimEnd('\r');
            }
        }

        return null;
    }
}
