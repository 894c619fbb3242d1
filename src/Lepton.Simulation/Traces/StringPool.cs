namespace Lepton.Simulation.Traces;

/// <summary>Hands out one shared instance per distinct value (GPU model names, model lists) while a file is read.</summary>
/// <remarks>Thousands of rows repeat a handful of values; sharing them keeps the parsed list small and cache-friendly,
/// and the span lookup means a repeated value costs no allocation at all.</remarks>
internal sealed class StringPool<T>(Func<ReadOnlySpan<char>, T> create) where T : class
{
    private readonly Dictionary<string, T> _values = new(StringComparer.Ordinal);

    /// <summary>The shared value for <paramref name="text"/>, created on first sight.</summary>
    public T Get(ReadOnlySpan<char> text)
    {
        var lookup = _values.GetAlternateLookup<ReadOnlySpan<char>>();
        if (!lookup.TryGetValue(text, out var value))
        {
            value = create(text);
            lookup[text] = value;
        }

        return value;
    }
}
