namespace Lepton.Client.Contracts;

/// <summary>One GPU a node reports at registration.</summary>
public sealed record GpuDevice
{
    /// <summary>Device index on the machine (what <c>CUDA_VISIBLE_DEVICES</c> uses).</summary>
    public int Index { get; set; }

    /// <summary>Model name such as <c>A100</c>.</summary>
    public string Model { get; set; } = "";

    /// <summary>Device memory in MiB.</summary>
    public long MemoryMiB { get; set; }
}
