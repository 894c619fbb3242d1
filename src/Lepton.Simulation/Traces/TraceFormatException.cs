namespace Lepton.Simulation.Traces;

/// <summary>A malformed line in a node, task, job or trace file, naming the file, the 1-based line and the field.</summary>
public sealed class TraceFormatException(string file, int line, string field, string problem)
    : FormatException($"{file}:{line}: field '{field}': {problem}")
{
    /// <summary>The file that holds the bad line.</summary>
    public string File { get; } = file;

    /// <summary>The 1-based line number.</summary>
    public int Line { get; } = line;

    /// <summary>The column or key that is wrong.</summary>
    public string Field { get; } = field;

    /// <summary>What is wrong with the value.</summary>
    public string Problem { get; } = problem;
}
