using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Lepton.Client.Contracts;

namespace Lepton.Client;

/// <summary>The JSON settings of the Lepton API (camelCase, enums as strings) for every contract and client read model.</summary>
public static class LeptonJson
{
    /// <summary>Compact options, as sent over the wire.</summary>
    public static JsonSerializerOptions Options { get; } = Create(indented: false);

    /// <summary>Indented options, for people (<c>--json</c> output).</summary>
    public static JsonSerializerOptions Indented { get; } = Create(indented: true);

    private static JsonSerializerOptions Create(bool indented)
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            TypeInfoResolver = JsonTypeInfoResolver.Combine(LeptonJsonContext.Default, ClientJsonContext.Default),
            WriteIndented = indented,
        };
        options.Converters.Add(new JsonStringEnumConverter());
        options.MakeReadOnly();
        return options;
    }
}
