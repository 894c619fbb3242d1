namespace Lepton.Client.Specs;

/// <summary>A job spec file that cannot be read: names the file, the line and the field, and says what is wrong.</summary>
public sealed class JobSpecException : Exception
{
    /// <summary>Creates the error; the message reads <c>file:line: field: problem</c>.</summary>
    public JobSpecException(string file, int line, string field, string problem, Exception? inner = null)
        : base(Format(file, line, field, problem), inner)
    {
        File = file;
        Line = line;
        Field = field;
        Problem = problem;
    }

    /// <summary>The file (or source name) the spec came from.</summary>
    public string File { get; }

    /// <summary>1-based line of the offending value, or 0 when the whole file is at fault.</summary>
    public int Line { get; }

    /// <summary>Dotted path of the field, e.g. <c>resources.memory</c>; empty when no single field is at fault.</summary>
    public string Field { get; }

    /// <summary>What is wrong, without the location.</summary>
    public string Problem { get; }

    private static string Format(string file, int line, string field, string problem)
    {
        var where = line > 0 ? $"{file}:{line}" : file;
        return field.Length > 0 ? $"{where}: {field}: {problem}" : $"{where}: {problem}";
    }
}
