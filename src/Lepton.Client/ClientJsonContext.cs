using System.Text.Json;
using System.Text.Json.Serialization;
using Lepton.Client.Insights;

namespace Lepton.Client;

/// <summary>Source-generated JSON metadata for the read models the client adds beside the shared contracts (explain, utilisation).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(JobExplanation))]
[JsonSerializable(typeof(UtilizationHistory))]
public sealed partial class ClientJsonContext : JsonSerializerContext;
