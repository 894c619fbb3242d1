namespace Lepton.Core.Power;

/// <summary>A node's own power figures, each overriding the built-in model where given (null keeps the default).</summary>
/// <remarks>Set on <see cref="Cluster.NodeSpec.Power"/>; node files carry them as <c>power:</c> (YAML) or <c>cpu_*</c>/<c>gpu_*</c>
/// columns (CSV). <see cref="PowerModel.Resolve"/> turns them into a <see cref="NodePowerProfile"/>.</remarks>
public sealed record NodePowerSpec
{
    /// <summary>CPU sockets; default: physical cores over cores per socket, rounded up.</summary>
    public int? CpuSockets { get; init; }

    /// <summary>Physical cores per socket; default: the CPU profile's (or cores over sockets when sockets are given).</summary>
    public int? CoresPerSocket { get; init; }

    /// <summary>Hardware threads (vCPUs) per physical core; default 2.</summary>
    public int? ThreadsPerCore { get; init; }

    /// <summary>Watts of an idle socket.</summary>
    public double? CpuIdleWatts { get; init; }

    /// <summary>Watts of a socket with any working core.</summary>
    public double? CpuActiveWatts { get; init; }

    /// <summary>Watts of one GPU with nothing allocated.</summary>
    public double? GpuIdleWatts { get; init; }

    /// <summary>Watts of one GPU with anything allocated.</summary>
    public double? GpuMaxWatts { get; init; }

    /// <summary>Watts drawn whenever the node is on, beside CPUs and GPUs (memory, fans, disks); default 0 as in PWR-SPEC.</summary>
    public double? BaseWatts { get; init; }

    /// <summary>Watts drawn while powered off (BMC, standby); default 0.</summary>
    public double? StandbyWatts { get; init; }

    /// <summary>True when no field is set.</summary>
    public bool IsEmpty => this == Empty;

    /// <summary>No overrides.</summary>
    public static NodePowerSpec Empty { get; } = new();
}
