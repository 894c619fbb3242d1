using System.Globalization;
using Lepton.Client.Contracts;
using Lepton.Core.Resources;
using YamlDotNet.RepresentationModel;

namespace Lepton.Client.Specs;

/// <summary>The job spec's topology-aware placement fields: <c>topology</c>, <c>data</c> and <c>latency</c>.</summary>
public static partial class JobSpecReader
{
    /// <summary>Longest level name, dataset name or location.</summary>
    public const int MaxPlacementNameLength = 256;

    private sealed partial class SpecFile
    {
        /// <summary>Reads <c>topology: {required|preferred: LEVEL, nvlink}</c>, <c>data: {name, size, at}</c> and
        /// <c>latency: {users, budgetMs}</c> into <paramref name="resources"/> (they travel with the per-replica request,
        /// like maxPerNode).</summary>
        public void Placement(YamlMappingNode root, JobResources resources)
        {
            if (TryGet(root, "topology", out var topologyNode))
            {
                var map = Mapping(topologyNode, "topology");
                RefuseUnknown(map, "topology", ["required", "preferred", "nvlink"]);
                var required = OptionalName(map, "required", "topology");
                var preferred = OptionalName(map, "preferred", "topology");
                if (required is not null && preferred is not null)
                {
                    throw Error(map, "topology", "give either required or preferred, not both");
                }

                var nvlink = TryGet(map, "nvlink", out var nv) && Scalar(nv, "topology.nvlink").ToLowerInvariant() switch
                {
                    "true" or "yes" => true,
                    "false" or "no" => false,
                    var other => throw Error(nv, "topology.nvlink", $"'{other}' is not true or false"),
                };
                if (required is null && preferred is null && !nvlink)
                {
                    throw Error(map, "topology", "name a level (required: rack or preferred: rack) or ask for nvlink: true");
                }

                resources.Topology = new JobTopology { Required = required, Preferred = preferred, NvLink = nvlink };
            }

            if (TryGet(root, "data", out var dataNode))
            {
                var map = Mapping(dataNode, "data");
                RefuseUnknown(map, "data", ["name", "size", "at"]);
                var name = OptionalName(map, "name", "data") ?? throw Error(map, "data.name", "is required");
                var at = OptionalName(map, "at", "data") ?? throw Error(map, "data.at", "is required (a label value such as zone-a, or zone=zone-a)");
                if (!TryGet(map, "size", out var sizeNode))
                {
                    throw Error(map, "data.size", "is required (such as 200Gi)");
                }

                var text = Scalar(sizeNode, "data.size");
                long size;
                try
                {
                    size = Quantity.ParseMemoryMiB(text);
                }
                catch (Exception e) when (e is FormatException or OverflowException)
                {
                    throw Error(sizeNode, "data.size", $"'{text}' is not a size such as 200Gi or 2Ti");
                }

                if (size is <= 0 or > MaxDataMiB)
                {
                    throw Error(sizeNode, "data.size", $"{text} is out of range; expected more than 0 and at most 1024Ti");
                }

                resources.Data = new JobData { Name = name, SizeMiB = size, At = at };
            }

            if (TryGet(root, "latency", out var latencyNode))
            {
                var map = Mapping(latencyNode, "latency");
                RefuseUnknown(map, "latency", ["users", "budgetMs"]);
                var users = OptionalName(map, "users", "latency") ?? throw Error(map, "latency.users", "is required (a label value such as eu)");
                if (!TryGet(map, "budgetMs", out var budgetNode))
                {
                    throw Error(map, "latency.budgetMs", "is required (milliseconds, such as 20)");
                }

                var text = Scalar(budgetNode, "latency.budgetMs");
                if (!double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var budget)
                    || !double.IsFinite(budget) || budget <= 0 || budget > MaxBudgetMs)
                {
                    throw Error(budgetNode, "latency.budgetMs", $"'{text}' must be a number of milliseconds above 0 and at most {MaxBudgetMs}");
                }

                resources.Latency = new JobLatency { Users = users, BudgetMs = budget };
            }
        }

        private string? OptionalName(YamlMappingNode map, string field, string prefix)
        {
            if (!TryGet(map, field, out var node))
            {
                return null;
            }

            var path = $"{prefix}.{field}";
            var value = Scalar(node, path).Trim();
            if (value.Length == 0 || value.Length > MaxPlacementNameLength || value.Any(char.IsControl))
            {
                throw Error(node, path, $"must be 1..{MaxPlacementNameLength} printable characters");
            }

            return value;
        }
    }

    /// <summary>Largest dataset: 1024 TiB in MiB.</summary>
    public const long MaxDataMiB = 1L << 30;

    /// <summary>Largest latency budget, in ms.</summary>
    public const double MaxBudgetMs = 100_000;
}
