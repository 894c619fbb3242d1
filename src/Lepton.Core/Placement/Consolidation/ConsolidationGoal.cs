namespace Lepton.Core.Placement.Consolidation;

/// <summary>What a consolidation plan frees.</summary>
public enum ConsolidationGoal
{
    /// <summary>Whole GPUs (for whole-GPU jobs that wait on fragmented GPUs).</summary>
    Gpus,

    /// <summary>Whole nodes (for power-down).</summary>
    Nodes,
}
