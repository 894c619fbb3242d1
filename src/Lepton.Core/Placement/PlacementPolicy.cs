using Lepton.Core.Cluster;
using Lepton.Core.Placement.Framework;
using Lepton.Core.Placement.Plugins.Fgd;

namespace Lepton.Core.Placement;

/// <summary>A named placement profile: ordered filter plugins, weighted score plugins and a GPU-selection rule.</summary>
/// <remarks>Policies are obtained from <see cref="PolicyRegistry"/>; a <see cref="PlacementEngine"/> runs one.</remarks>
public sealed class PlacementPolicy
{
    private readonly Func<PlacementContext, FgdModel?, PlacementPipeline> _pipeline;

    internal PlacementPolicy(string name, string description, WeightedScore score, GpuSelectionRule gpuSelection,
        bool tieBreakByNodeOrder, bool needsTargetWorkload, Func<PlacementContext, FgdModel?, PlacementPipeline> pipeline)
    {
        Name = name;
        Description = description;
        Scores = [score];
        GpuSelection = gpuSelection;
        TieBreakByNodeOrder = tieBreakByNodeOrder;
        NeedsTargetWorkload = needsTargetWorkload;
        _pipeline = pipeline;
    }

    /// <summary>Registry name, e.g. <c>bestfit</c>.</summary>
    public string Name { get; }

    /// <summary>One line for <c>lepton policies</c>.</summary>
    public string Description { get; }

    /// <summary>Filter plugins (constraints) in the order they run.</summary>
    public IReadOnlyList<string> Filters { get; } = [.. StandardFilters.Ordered.Select(f => f.Constraint)];

    /// <summary>Score plugins and their weights.</summary>
    public IReadOnlyList<WeightedScore> Scores { get; internal init; }

    /// <summary>How the GPU(s) on the chosen node are picked.</summary>
    public GpuSelectionRule GpuSelection { get; }

    /// <summary>True when ties go to the first node in cluster order instead of the per-run rank (<c>firstfit</c>).</summary>
    public bool TieBreakByNodeOrder { get; }

    /// <summary>True when ties go to the lexicographically smallest node name, overriding the run's ranks (the PWR policies, PWR-SPEC §2.3).</summary>
    public bool TieBreakByNodeName { get; internal init; }

    /// <summary>True when the policy needs FGD's target workload (<see cref="PlacementOptions.TargetWorkload"/>).</summary>
    public bool NeedsTargetWorkload { get; }

    /// <summary>How the policy lets the engine group identical nodes.</summary>
    internal NodeGrouping Grouping { get; init; } = NodeGrouping.ByState;

    /// <summary>Builds the fragmentation model of a policy that needs the target workload (FGD's unless a variant sets another, e.g. <c>fgd-scarcity</c>).</summary>
    internal Func<ClusterState, TargetWorkload, FgdModel> FragmentationModel { get; init; } = static (c, t) => new FgdModel(c, t);

    internal PlacementPipeline CreatePipeline(PlacementContext context, FgdModel? fgd) => _pipeline(context, fgd);

    /// <inheritdoc/>
    public override string ToString() => Name;
}
