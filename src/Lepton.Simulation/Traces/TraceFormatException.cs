namespace Lepton.Simulation.Traces;

/// <summary>A malformed line in a node, task, job or trace file, naming the file, the 1-based line and the field.</summary>
/// <remarks>The message reads <c>file:line: field: problem</c>, exactly like a job spec error (<c>JobSpecException</c>):
/// one error style for every file Lepton reads.</remarks>
public sealed class TraceFormatException(string file, int line, string field, string problem)
    : FormatException(line > 0 ? $"{file}:{line}: {field}: {problem}" : $"{file}: {field}: {problem}")
{
    /// <summary>The file that holds the bad line.</summary>
    public string File { get; } = file;

    /// <summary>The 1-based line number; 0 when the whole file is at fault (its size, say).</summary>
    public int Line { get; } = line;

    /// <summary>The column or key that is wrong.</summary>
    public string Field { get; } = field;

    /// <summary>What is wrong with the value.</summary>
    public string Problem { get; } = problem;
}
