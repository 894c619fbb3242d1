using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lepton.Client.Contracts;

/// <summary>Source-generated System.Text.Json metadata for every API contract: camelCase names, enums as strings.</summary>
/// <remarks>The server additionally rejects unknown fields on input (<see cref="JsonUnmappedMemberHandling.Disallow"/>);
/// clients keep the default so that a newer server adding fields does not break them.
/// Contract properties are <c>set</c>, not <c>init</c>: the source generator assigns every init-only property when it
/// constructs an object, which would replace a default such as <c>replicas = 1</c> with 0 for a field the JSON omits.</remarks>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(JobSubmission))]
[JsonSerializable(typeof(JobView))]
[JsonSerializable(typeof(List<JobView>))]
[JsonSerializable(typeof(JobSummary))]
[JsonSerializable(typeof(NodeRegistration))]
[JsonSerializable(typeof(NodeRegistered))]
[JsonSerializable(typeof(NodeView))]
[JsonSerializable(typeof(List<NodeView>))]
[JsonSerializable(typeof(Heartbeat))]
[JsonSerializable(typeof(HeartbeatResponse))]
[JsonSerializable(typeof(TaskStatusReport))]
[JsonSerializable(typeof(LogChunk))]
[JsonSerializable(typeof(TenantCreate))]
[JsonSerializable(typeof(TenantShareUpdate))]
[JsonSerializable(typeof(JobEtaView))]
[JsonSerializable(typeof(TenantView))]
[JsonSerializable(typeof(List<TenantView>))]
[JsonSerializable(typeof(TokenCreate))]
[JsonSerializable(typeof(TokenView))]
[JsonSerializable(typeof(List<TokenView>))]
[JsonSerializable(typeof(ApiProblem))]
[JsonSerializable(typeof(IReadOnlyList<JobView>))]
[JsonSerializable(typeof(IReadOnlyList<NodeView>))]
[JsonSerializable(typeof(IReadOnlyList<TenantView>))]
[JsonSerializable(typeof(IReadOnlyList<TokenView>))]
[JsonSerializable(typeof(ResourceAmounts))]
[JsonSerializable(typeof(PendingReasonView))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(ReclaimableNodes))]
[JsonSerializable(typeof(UsageReport))]
[JsonSerializable(typeof(PowerNow))]
[JsonSerializable(typeof(WhoAmIView))]
[JsonSerializable(typeof(ConsolidationView))]
public sealed partial class LeptonJsonContext : JsonSerializerContext;
