namespace Lepton.Core.Placement;

/// <summary>How a policy picks the GPU(s) on the node it chose (FGD-SPEC §4, §5.4).</summary>
/// <remarks>
/// For whole-GPU and multi-GPU tasks every rule takes the lowest-index GPUs among those with enough free milli,
/// visited in ascending order of free milli (stable), which for whole GPUs means the lowest-index fully free GPUs.
/// The rules differ only for a task that shares one GPU.
/// </remarks>
public enum GpuSelectionRule
{
    /// <summary>The tightest-fitting GPU (smallest free milli that still fits; lowest index on ties).</summary>
    Best,

    /// <summary>A uniformly random GPU among those that fit (seeded).</summary>
    Random,

    /// <summary>FGD's rule: the lowest-index GPU whose placement gets the node's top fragmentation-gradient score.</summary>
    FragmentationGradient,

    /// <summary>The GPU with the most free milli (lowest index on ties): spreads shares across GPUs.</summary>
    MostFree,

    /// <summary>PWR's rule (PWR-SPEC §2.1): the lowest-index partly used GPU that fits (no power added), else the lowest-index free GPU.</summary>
    LeastPower,

    /// <summary><c>powerfgd</c>'s rule: the lowest-index GPU at the least fragmentation-plus-power cost.</summary>
    PowerFragmentation,
}
