using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lepton.Client.Contracts;

/// <summary>Source-generated System.Text.Json metadata for every API contract: camelCase names, enums as strings.</summary>
/// <remarks>The server additionally rejects unknown fields on input (<see cref="JsonUnmappedMemberHandling.Disallow"/>);
/// clients keep the default so that a newer server adding fields does not break them.</remarks>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(JobSubmission))]
[JsonSerializable(typeof(JobView))]
[JsonSerializable(typeof(List<JobView>))]
[JsonSerializable(typeof(NodeRegistration))]
[JsonSerializable(typeof(NodeRegistered))]
[JsonSerializable(typeof(NodeView))]
[JsonSerializable(typeof(List<NodeView>))]
[JsonSerializable(typeof(Heartbeat))]
[JsonSerializable(typeof(HeartbeatResponse))]
[JsonSerializable(typeof(TaskStatusReport))]
[JsonSerializable(typeof(LogChunk))]
[JsonSerializable(typeof(TenantCreate))]
[JsonSerializable(typeof(TenantView))]
[JsonSerializable(typeof(List<TenantView>))]
[JsonSerializable(typeof(TokenCreate))]
[JsonSerializable(typeof(TokenView))]
[JsonSerializable(typeof(List<TokenView>))]
[JsonSerializable(typeof(ApiProblem))]
public sealed partial class LeptonJsonContext : JsonSerializerContext;
