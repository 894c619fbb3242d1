namespace Lepton.Core.Placement.Plugins.Power;

/// <summary>Which parts of a placement's power increase a power-aware score counts, and for which tasks.</summary>
[Flags]
internal enum PowerParts
{
    /// <summary>Nothing: power never counts.</summary>
    None = 0,

    /// <summary>CPU sockets turning active.</summary>
    Cpu = 1,

    /// <summary>GPUs turning busy, each counted alike (100 W), whatever its model.</summary>
    GpuCount = 2,

    /// <summary>GPUs turning busy at their model's max − idle watts.</summary>
    GpuModel = 4,

    /// <summary>Count power for GPU-sharing tasks.</summary>
    ShareTasks = 8,

    /// <summary>Count power for whole-GPU tasks.</summary>
    WholeTasks = 16,

    /// <summary>Count power for CPU-only tasks.</summary>
    CpuTasks = 32,

    /// <summary>PWR-SPEC's PWR: every part, every task.</summary>
    All = Cpu | GpuModel | ShareTasks | WholeTasks | CpuTasks,
}
