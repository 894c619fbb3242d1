namespace Lepton.Simulation.Traces;

/// <summary>The column names of a CSV file's header line, with case-insensitive lookup.</summary>
internal sealed class CsvHeader
{
    private readonly Dictionary<string, int> _index;

    /// <summary>Builds the header from its column names, rejecting empty and repeated names.</summary>
    public CsvHeader(IReadOnlyList<string> names, string file, int line)
    {
        Names = names;
        _index = new Dictionary<string, int>(names.Count, StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < names.Count; i++)
        {
            if (names[i].Length == 0)
            {
                throw new TraceFormatException(file, line, $"column {i + 1}", "header has an empty column name");
            }

            if (!_index.TryAdd(names[i], i))
            {
                throw new TraceFormatException(file, line, names[i], "column appears twice in the header");
            }
        }
    }

    /// <summary>The column names in file order.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Number of columns.</summary>
    public int Count => Names.Count;

    /// <summary>The 0-based index of a column, or -1 when the header lacks it.</summary>
    public int IndexOf(string name) => _index.TryGetValue(name, out var i) ? i : -1;

    /// <summary>True when the header has the column.</summary>
    public bool Contains(string name) => _index.ContainsKey(name);
}
