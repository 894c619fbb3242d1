namespace Lepton.Core.Placement.Batch;

/// <summary>What a batch placement maximises (see <see cref="BatchValues"/> for the exact weights).</summary>
public enum BatchObjective
{
    /// <summary>Priority first (a more important task is never traded for any number of less important ones), then GPU placed.</summary>
    Priority,

    /// <summary>Milli-GPU placed, then the number of tasks placed.</summary>
    Gpu,

    /// <summary>Tasks placed, then milli-GPU placed.</summary>
    Tasks,

    /// <summary>Milli-GPU placed, then the lowest price per hour of the GPUs used.</summary>
    Cost,
}
