using System.Diagnostics.CodeAnalysis;
using Lepton.Core.Placement.Framework;
using Lepton.Core.Placement.Plugins.BestFit;
using Lepton.Core.Placement.Plugins.DotProduct;
using Lepton.Core.Placement.Plugins.Fgd;
using Lepton.Core.Placement.Plugins.FirstFit;
using Lepton.Core.Placement.Plugins.GpuClustering;
using Lepton.Core.Placement.Plugins.GpuPacking;
using Lepton.Core.Placement.Plugins.Power;
using Lepton.Core.Placement.Plugins.Heterogeneity;
using Lepton.Core.Placement.Plugins.Random;
using Lepton.Core.Placement.Plugins.Spread;

namespace Lepton.Core.Placement;

/// <summary>The built-in placement policies by name.</summary>
/// <remarks><c>bestfit</c>, <c>dotprod</c>, <c>gpupacking</c>, <c>gpuclustering</c>, <c>random</c> and <c>fgd</c>
/// follow FGD-SPEC exactly; <c>fgd-scarcity</c> is FGD with scarcity-weighted typical tasks; <c>fgd-nostrand</c> is
/// <c>fgd-scarcity</c> whose ties go to the node where the task strands the least GPU (memory for GPU tasks, free GPUs for CPU-only ones); <c>firstfit</c> and <c>spread</c> are the classic baselines; <c>gavel</c> and <c>gavel-cost</c>
/// read each task's per-GPU-model throughput table; <c>pwr</c> and <c>pwr+fgd:W</c> follow PWR-SPEC §2.</remarks>
public static class PolicyRegistry
{
    private static readonly PlacementPolicy[] Policies =
    [
        Create<FirstFitScore>("firstfit", "First feasible node in cluster order.", "first-fit", GpuSelectionRule.Best, nodeOrder: true),
        Create<BestFitScore>("bestfit", "Best fit: the node left with the least free CPU and GPU (as in Weng et al., ATC'23).", "best-fit", GpuSelectionRule.Best),
        Create<LeastAllocatedScore>("spread", "Least allocated: balances load by choosing the node with the most capacity left.", "least-allocated", GpuSelectionRule.MostFree),
        Create<DotProductScore>("dotprod", "Dot product of free resources and request, smallest wins (as in Weng et al., ATC'23).", "dot-product", GpuSelectionRule.Best),
        Create<GpuPackingScore>("gpupacking", "GPU packing: partly used GPUs first, then used nodes, then idle nodes (as in Weng et al., ATC'23).", "gpu-packing", GpuSelectionRule.Best),
        Create<GpuClusteringScore>("gpuclustering", "GPU clustering: co-locates tasks of the same GPU kind (as in Weng et al., ATC'23).", "gpu-clustering", GpuSelectionRule.Best, grouping: NodeGrouping.ByStateAndTags),
        // Random must pick uniformly among nodes, not classes, so it scans every node.
        Create<RandomScore>("random", "A uniformly random feasible node and GPU (seeded).", "random", GpuSelectionRule.Random, grouping: NodeGrouping.None),
        new PlacementPolicy("fgd", "Fragmentation gradient descent: least growth of expected GPU fragmentation (Weng et al., \"Beware of Fragmentation\", USENIX ATC'23).",
            new WeightedScore("fragmentation-gradient", 1), GpuSelectionRule.FragmentationGradient, tieBreakByNodeOrder: false,
            needsTargetWorkload: true,
            static (_, fgd) => new PlacementPipeline<StandardFilters, FgdScore>(default, new FgdScore(fgd!))),
        // FGD with typical-task weights that grow as a class runs out of room (see ScarcityFgdModel for how and why).
        new PlacementPolicy("fgd-scarcity", "Scarcity-weighted FGD: FGD whose typical tasks weigh more as the cluster runs out of room for them.",
            new WeightedScore("fragmentation-gradient-scarcity", 1), GpuSelectionRule.FragmentationGradient, tieBreakByNodeOrder: false,
            needsTargetWorkload: true,
            static (_, fgd) => new PlacementPipeline<StandardFilters, FgdScore>(default, new FgdScore(fgd!)))
        {
            FragmentationModel = static (cluster, target) => new ScarcityFgdModel(cluster, target),
        },
        // fgd-scarcity whose ties go to the node where the task strands the least GPU (see NoStrandPipeline for how and why).
        new PlacementPolicy("fgd-nostrand", "FGD that strands no GPU: fgd-scarcity whose ties go to a node whose free GPUs keep memory (GPU tasks) or with the fewest free GPUs (CPU-only tasks).",
            new WeightedScore("fragmentation-gradient-nostrand", 1), GpuSelectionRule.FragmentationGradient, tieBreakByNodeOrder: false,
            needsTargetWorkload: true,
            static (_, fgd) => new NoStrandPipeline(fgd!))
        {
            FragmentationModel = static (cluster, target) => new ScarcityFgdModel(cluster, target),
        },
        Create<ThroughputScore>("gavel", "Heterogeneity-aware (Gavel-style): the GPU model with the best throughput per GPU for the job, then best fit.",
            "throughput", GpuSelectionRule.Best),
        Create<ThroughputPerPriceScore>("gavel-cost", "Cost-aware heterogeneity: the most throughput per price of a GPU-hour, then best fit.",
            "throughput-per-price", GpuSelectionRule.Best),
        .. PowerPolicies.Registered(),
    ];

    /// <summary>Every built-in policy with its one-line description, in a fixed order.</summary>
    public static IReadOnlyList<PolicyInfo> All { get; } = [.. Policies.Select(p => new PolicyInfo(p.Name, p.Description))];

    /// <summary>Names of the built-in policies.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Policies.Select(p => p.Name)];

    /// <summary>The policy named <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="UnknownPolicyException">No such policy; the message lists the valid names.</exception>
    public static PlacementPolicy Get(string name) =>
        TryGet(name, out var policy) ? policy : throw new UnknownPolicyException(name, Names);

    /// <summary>Looks a policy up by name (case-insensitive).</summary>
    public static bool TryGet(string? name, [NotNullWhen(true)] out PlacementPolicy? policy)
    {
        policy = Policies.FirstOrDefault(p => string.Equals(p.Name, name?.Trim(), StringComparison.OrdinalIgnoreCase));
        // pwr+fgd:W for a weight the registry does not list is built on demand.
        return policy is not null || PowerPolicies.TryParse(name, out policy);
    }

    private static PlacementPolicy Create<TScore>(string name, string description, string plugin, GpuSelectionRule rule, bool nodeOrder = false,
        NodeGrouping grouping = NodeGrouping.ByState)
        where TScore : struct, IScorePlugin =>
        new(name, description, new WeightedScore(plugin, 1), rule, nodeOrder, needsTargetWorkload: false,
            static (_, _) => new PlacementPipeline<StandardFilters, TScore>(default, default))
        {
            Grouping = grouping,
        };
}
