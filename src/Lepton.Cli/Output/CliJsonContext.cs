using System.Text.Json.Serialization;

namespace Lepton.Cli.Output;

/// <summary>JSON metadata for the read models only the CLI prints (the API's own types are in the client's contexts).</summary>
[JsonSerializable(typeof(JobLogsView))]
[JsonSerializable(typeof(List<PolicyView>))]
[JsonSerializable(typeof(BenchApiResult))]
[JsonSerializable(typeof(List<string>))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
