using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Lepton.Simulation.Traces;

/// <summary>Loads a YAML file and yields its entries (nodes or tasks), turning YAML syntax errors into <see cref="TraceFormatException"/>.</summary>
/// <remarks>
/// Each document in the file may be a mapping with one list key (<c>nodes:</c> or <c>tasks:</c>), a bare list of
/// entries, or, where allowed, a single entry (a job spec as <c>lepton job submit -f</c> reads it). Documents are
/// separated by <c>---</c>.
/// </remarks>
internal static class YamlEntryList
{
    /// <summary>The entries of every document in order.</summary>
    /// <param name="reader">The YAML text.</param>
    /// <param name="file">The file name used in errors.</param>
    /// <param name="listKey">The top-level key that holds the list, e.g. <c>nodes</c>.</param>
    /// <param name="isSingleEntry">Whether a top-level mapping without <paramref name="listKey"/> is itself one entry.</param>
    public static List<YamlNode> Load(TextReader reader, string file, string listKey, bool isSingleEntry)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(reader);
        }
        catch (YamlException e)
        {
            // YamlDotNet prefixes its message with the position; we report the line our own way.
            var message = (e.InnerException as YamlException)?.Message ?? e.Message;
            var cut = message.IndexOf("): ", StringComparison.Ordinal);
            throw new TraceFormatException(file, (int)Math.Max(1, e.Start.Line), "yaml", "invalid YAML: " + (cut >= 0 ? message[(cut + 3)..] : message));
        }

        var entries = new List<YamlNode>();
        foreach (var document in stream.Documents)
        {
            switch (document.RootNode)
            {
                case YamlSequenceNode list:
                    entries.AddRange(list.Children);
                    break;
                case YamlMappingNode mapping when mapping.Children.ContainsKey(listKey):
                    var top = new YamlMappingReader(mapping, file, "", [listKey]);
                    switch (top.Get(listKey))
                    {
                        case null:
                            break;
                        case YamlSequenceNode items:
                            entries.AddRange(items.Children);
                            break;
                        case var other:
                            throw top.Error(listKey, other, $"expected a list of {listKey}");
                    }

                    break;
                case YamlMappingNode mapping when !isSingleEntry || LooksLikeOtherList(mapping):
                    var first = mapping.Children.Count > 0 ? mapping.Children[0].Key : mapping;
                    var found = first is YamlScalarNode { Value: { } key } ? $", found '{key}:'" : "";
                    throw new TraceFormatException(file, YamlMappingReader.LineOf(first), listKey, $"expected a top-level '{listKey}:' list{found}");
                case YamlMappingNode mapping:
                    entries.Add(mapping);
                    break;
                case YamlScalarNode { Value: null or "" }:
                    break;
                case var other:
                    throw new TraceFormatException(file, YamlMappingReader.LineOf(other), listKey, $"expected a top-level '{listKey}:' list");
            }
        }

        if (entries.Count == 0)
        {
            throw new TraceFormatException(file, 1, listKey, $"the file has no {listKey}");
        }

        return entries;
    }

    // A single-key mapping holding a list (e.g. "nodes:" given where tasks are expected) is another kind of file,
    // not one entry; saying so beats "unknown key 'nodes'".
    private static bool LooksLikeOtherList(YamlMappingNode mapping) =>
        mapping.Children.Count == 1 && mapping.Children[0].Value is YamlSequenceNode;
}
