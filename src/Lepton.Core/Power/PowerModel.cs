using Lepton.Core.Cluster;

namespace Lepton.Core.Power;

/// <summary>Turns nodes into <see cref="NodePowerProfile"/>s: a default CPU profile, the built-in GPU table and each node's overrides.</summary>
/// <remarks>
/// <see cref="Default"/> is PWR-SPEC §1 exactly for nodes without overrides (every openb node): one Xeon E5-2682 v4
/// profile (15/120 W per socket, 16 cores, 2 threads per core) and the GPU figures of <see cref="GpuPowerTable"/>.
/// Precedence per figure: the node's <see cref="NodeSpec.Power"/>, then this model, then the table.
/// </remarks>
public sealed record PowerModel
{
    /// <summary>The model of PWR-SPEC §1 (and Lepton's default).</summary>
    public static PowerModel Default { get; } = new();

    /// <summary>The CPU profile of a node that declares none.</summary>
    public CpuPowerProfile DefaultCpu { get; init; } = CpuPowerProfile.XeonE5_2682V4;

    /// <summary>Whether a node's declared whole-node idle/peak watts (<see cref="NodeSpec.IdleWatts"/>, <see cref="NodeSpec.PeakWatts"/>) rescale its draw.</summary>
    public bool UseDeclaredNodeWatts { get; init; } = true;

    /// <summary>Watts a powered-off node draws when it declares no standby figure of its own.</summary>
    public double DefaultStandbyWatts { get; init; }

    /// <summary>The resolved profile of <paramref name="node"/>.</summary>
    public NodePowerProfile Resolve(NodeSpec node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var spec = node.Power ?? NodePowerSpec.Empty;
        var threads = Math.Max(1, spec.ThreadsPerCore ?? DefaultCpu.ThreadsPerCore);
        var realCores = (int)Math.Ceiling(Math.Max(0, node.CpuMilli) / 1000.0 / threads);
        int sockets, coresPerSocket;
        if (spec.CpuSockets is { } given)
        {
            sockets = Math.Max(0, given);
            coresPerSocket = Math.Max(1, spec.CoresPerSocket ?? (sockets == 0 ? 1 : (realCores + sockets - 1) / sockets));
        }
        else
        {
            coresPerSocket = Math.Max(1, spec.CoresPerSocket ?? DefaultCpu.CoresPerSocket);
            sockets = (realCores + coresPerSocket - 1) / coresPerSocket;
        }

        var gpu = GpuPowerTable.Get(node.GpuModel);
        var declared = UseDeclaredNodeWatts && double.IsFinite(node.PeakWatts) && double.IsFinite(node.IdleWatts)
            && node.PeakWatts > 0 && node.IdleWatts >= 0 && node.PeakWatts >= node.IdleWatts;
        return new NodePowerProfile
        {
            Sockets = sockets,
            CoresPerSocket = coresPerSocket,
            ThreadsPerCore = threads,
            CpuIdleWatts = spec.CpuIdleWatts ?? DefaultCpu.IdleWattsPerSocket,
            CpuActiveWatts = spec.CpuActiveWatts ?? DefaultCpu.ActiveWattsPerSocket,
            Gpus = Math.Max(0, node.GpuCount),
            GpuIdleWatts = node.GpuCount > 0 ? spec.GpuIdleWatts ?? gpu.IdleWatts : 0,
            GpuMaxWatts = node.GpuCount > 0 ? spec.GpuMaxWatts ?? gpu.MaxWatts : 0,
            BaseWatts = spec.BaseWatts ?? 0,
            StandbyWatts = spec.StandbyWatts ?? DefaultStandbyWatts,
            DeclaredIdleWatts = declared ? node.IdleWatts : null,
            DeclaredPeakWatts = declared ? node.PeakWatts : null,
        };
    }
}
