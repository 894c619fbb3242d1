using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Lepton.Simulation.Traces;

/// <summary>Reads the keys of one YAML mapping with typed accessors whose errors name the file, the line and the key path.</summary>
/// <remarks>
/// Construction rejects keys outside the known set, so a misspelt key never silently drops a constraint. A plain
/// <c>null</c>, <c>~</c> or empty value counts as absent. Field names in errors are dotted paths from the entry,
/// such as <c>resources.memory</c> or <c>gpus.count</c>.
/// </remarks>
internal sealed class YamlMappingReader
{
    private readonly Dictionary<string, (YamlScalarNode Key, YamlNode Value)> _entries = new(StringComparer.Ordinal);
    private readonly string _prefix;

    /// <summary>Wraps <paramref name="node"/>, which must be a mapping whose keys are all in <paramref name="knownKeys"/>.</summary>
    public YamlMappingReader(YamlNode node, string file, string path, IReadOnlyList<string> knownKeys)
    {
        File = file;
        Node = node;
        _prefix = path.Length == 0 ? "" : path + ".";
        if (node is not YamlMappingNode mapping)
        {
            throw new TraceFormatException(file, Line, path.Length == 0 ? "entry" : path, $"expected a mapping of keys ({string.Join(", ", knownKeys)})");
        }

        foreach (var (key, value) in mapping.Children)
        {
            if (key is not YamlScalarNode { Value: { } name } scalar)
            {
                throw new TraceFormatException(file, LineOf(key), path.Length == 0 ? "entry" : path, "keys must be plain names");
            }

            if (!knownKeys.Contains(name, StringComparer.Ordinal))
            {
                throw new TraceFormatException(file, LineOf(key), _prefix + name, $"unknown field; expected one of {string.Join(", ", knownKeys)}");
            }

            _entries[name] = (scalar, value);
        }
    }

    /// <summary>The file name used in errors.</summary>
    public string File { get; }

    /// <summary>The wrapped mapping.</summary>
    public YamlNode Node { get; }

    /// <summary>The 1-based line where the mapping starts.</summary>
    public int Line => LineOf(Node);

    /// <summary>True when the key is present with a non-null value.</summary>
    public bool Has(string key) => Get(key) is not null;

    /// <summary>The value of <paramref name="key"/>, or null when it is absent or null.</summary>
    public YamlNode? Get(string key) =>
        _entries.TryGetValue(key, out var entry) && !IsNull(entry.Value) ? entry.Value : null;

    /// <summary>A scalar value as text, or null when absent.</summary>
    public string? GetString(string key) => Get(key) switch
    {
        null => null,
        YamlScalarNode scalar => scalar.Value ?? "",
        var other => throw Error(key, other, "expected a single value, not a list or mapping"),
    };

    /// <summary>A scalar value that must be present and non-empty.</summary>
    public string GetRequiredString(string key)
    {
        var value = GetString(key);
        if (string.IsNullOrWhiteSpace(value))
        {
            throw Has(key) ? Error(key, Get(key)!, "must not be empty") : Error(key, Node, "is required");
        }

        return value;
    }

    /// <summary>A quantity parsed by <paramref name="parse"/> (see <c>Lepton.Core.Resources.Quantity</c>), or null when absent.</summary>
    public long? GetQuantity(string key, Func<string, long> parse)
    {
        var text = GetString(key);
        if (text is null)
        {
            return null;
        }

        try
        {
            return parse(text);
        }
        catch (FormatException e)
        {
            throw Error(key, Get(key)!, e.Message);
        }
    }

    /// <summary>An integer in [<paramref name="min"/>, <paramref name="max"/>], or null when absent.</summary>
    public int? GetInt32(string key, int min = 0, int max = int.MaxValue)
    {
        var text = GetString(key);
        if (text is null)
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            throw Error(key, Get(key)!, $"'{text}' is not a whole number");
        }

        return value >= min && value <= max ? value : throw Error(key, Get(key)!, max == int.MaxValue
            ? $"{value} is out of range; expected at least {min}"
            : $"{value} is out of range; expected {min}..{max}");
    }

    /// <summary>A non-negative decimal number, or null when absent.</summary>
    public double? GetDouble(string key)
    {
        var text = GetString(key);
        if (text is null)
        {
            return null;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            throw Error(key, Get(key)!, $"'{text}' is not a number");
        }

        return value >= 0 ? value : throw Error(key, Get(key)!, $"{text} is negative");
    }

    /// <summary>A boolean (<c>true</c>/<c>false</c>, also <c>yes</c>/<c>no</c>), or null when absent.</summary>
    public bool? GetBoolean(string key)
    {
        var text = GetString(key);
        return text?.ToLowerInvariant() switch
        {
            null => null,
            "true" or "yes" or "on" => true,
            "false" or "no" or "off" => false,
            _ => throw Error(key, Get(key)!, $"'{text}' is not a boolean; expected true or false"),
        };
    }

    /// <summary>A mapping of plain values such as labels, empty when absent.</summary>
    public IReadOnlyDictionary<string, string> GetStringMap(string key)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        switch (Get(key))
        {
            case null:
                return result;
            case YamlMappingNode mapping:
                foreach (var (k, v) in mapping.Children)
                {
                    if (k is not YamlScalarNode { Value: { Length: > 0 } name } || v is not YamlScalarNode value)
                    {
                        throw Error(key, v, "expected name: value pairs with plain values");
                    }

                    result[name] = value.Value ?? "";
                }

                return result;
            case var other:
                throw Error(key, other, "expected a mapping of name: value pairs, e.g. {zone: eu-1}");
        }
    }

    /// <summary>A list of plain values (a one-value scalar counts as a list of one), empty when absent.</summary>
    public IReadOnlyList<string> GetStringList(string key)
    {
        switch (Get(key))
        {
            case null:
                return [];
            case YamlScalarNode scalar:
                return [scalar.Value ?? ""];
            case YamlSequenceNode sequence:
                var result = new List<string>(sequence.Children.Count);
                foreach (var item in sequence.Children)
                {
                    result.Add(item is YamlScalarNode { Value: { Length: > 0 } value } ? value : throw Error(key, item, "list items must be plain names"));
                }

                return result;
            case var other:
                throw Error(key, other, "expected a list such as [A100, V100M32]");
        }
    }

    /// <summary>A nested mapping with its own known keys, or null when absent.</summary>
    public YamlMappingReader? GetMapping(string key, IReadOnlyList<string> knownKeys) =>
        Get(key) is { } node ? new YamlMappingReader(node, File, _prefix + key, knownKeys) : null;

    /// <summary>An error about the value of <paramref name="key"/>, at the line of <paramref name="at"/>.</summary>
    public TraceFormatException Error(string key, YamlNode at, string problem) => new(File, LineOf(at), _prefix + key, problem);

    /// <summary>An error about the value of <paramref name="key"/>, at its line (or the mapping's when absent).</summary>
    public TraceFormatException Error(string key, string problem) =>
        Error(key, _entries.TryGetValue(key, out var entry) ? entry.Value : Node, problem);

    /// <summary>The 1-based line where a node starts.</summary>
    public static int LineOf(YamlNode node) => (int)Math.Max(1, node.Start.Line);

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any, Value: null or "" or "~" or "null" or "Null" or "NULL" };
}
