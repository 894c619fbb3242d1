namespace Lepton.Core.Power;

/// <summary>A node's resolved power model: sockets and their watts, GPUs and their watts, so that its draw follows from what is allocated.</summary>
/// <remarks>
/// <para>The formula is PWR-SPEC §1.2's implemented ("code") form, with the CPU figures as parameters
/// (t threads per core, c cores per socket):</para>
/// <code>
/// realCores  = ceil(capMilli / 1000 / t)     idleCores = floor(freeMilli / 1000 / t)
/// sockets    = given, else ceil(realCores / c)
/// active     = min(sockets, ceil((realCores − idleCores) / c))
/// pCPU       = active · cpuActive + (sockets − active) · cpuIdle
/// pGPU       = Σ over GPUs: gpuMax if any milli is allocated, else gpuIdle
/// p          = base + pCPU + pGPU
/// </code>
/// <para>Sockets are counted, not identified: a socket is active as soon as the number of working cores needs it, and a
/// partly used core counts as working. When the node declares whole-node figures (<see cref="Cluster.NodeSpec.IdleWatts"/>
/// and <see cref="Cluster.NodeSpec.PeakWatts"/>), the model's range [idle, max] is mapped linearly onto them, so the
/// declared totals hold and the shape (which allocation costs what) still comes from the components.</para>
/// </remarks>
public sealed record NodePowerProfile
{
    /// <summary>CPU sockets.</summary>
    public int Sockets { get; init; }

    /// <summary>Physical cores per socket.</summary>
    public int CoresPerSocket { get; init; } = 16;

    /// <summary>Hardware threads per core.</summary>
    public int ThreadsPerCore { get; init; } = 2;

    /// <summary>Watts of an idle socket.</summary>
    public double CpuIdleWatts { get; init; }

    /// <summary>Watts of an active socket.</summary>
    public double CpuActiveWatts { get; init; }

    /// <summary>Number of GPUs.</summary>
    public int Gpus { get; init; }

    /// <summary>Watts of one idle GPU.</summary>
    public double GpuIdleWatts { get; init; }

    /// <summary>Watts of one busy GPU.</summary>
    public double GpuMaxWatts { get; init; }

    /// <summary>Watts beside CPUs and GPUs while on.</summary>
    public double BaseWatts { get; init; }

    /// <summary>Watts while powered off.</summary>
    public double StandbyWatts { get; init; }

    /// <summary>Declared whole-node idle watts (with <see cref="DeclaredPeakWatts"/>), or null to use the components' sum.</summary>
    public double? DeclaredIdleWatts { get; init; }

    /// <summary>Declared whole-node peak watts, or null.</summary>
    public double? DeclaredPeakWatts { get; init; }

    /// <summary>The components' draw with nothing allocated.</summary>
    public double ComponentIdleWatts => BaseWatts + (Sockets * CpuIdleWatts) + (Gpus * GpuIdleWatts);

    /// <summary>The components' draw with everything busy.</summary>
    public double ComponentMaxWatts => BaseWatts + (Sockets * CpuActiveWatts) + (Gpus * GpuMaxWatts);

    /// <summary>Draw when on and nothing is allocated.</summary>
    public double IdleWatts => DeclaredIdleWatts ?? ComponentIdleWatts;

    /// <summary>Draw with every socket and GPU busy.</summary>
    public double MaxWatts => DeclaredPeakWatts ?? ComponentMaxWatts;

    /// <summary>Sockets with a working core when <paramref name="freeCpuMilli"/> of <paramref name="cpuCapMilli"/> is unallocated.</summary>
    public int ActiveSockets(long cpuCapMilli, long freeCpuMilli)
    {
        var t = Math.Max(1, ThreadsPerCore);
        var c = Math.Max(1, CoresPerSocket);
        // Doubles, then ceil/floor, exactly as the reference code computes them (PWR-SPEC §1.2).
        var realCores = Math.Ceiling(cpuCapMilli / 1000.0 / t);
        var idleCores = Math.Floor(Math.Max(0, freeCpuMilli) / 1000.0 / t);
        var working = Math.Max(0, realCores - idleCores);
        return (int)Math.Min(Sockets, Math.Ceiling(working / c));
    }

    /// <summary>The components' draw (before any mapping onto declared figures).</summary>
    public double ComponentWatts(long cpuCapMilli, long freeCpuMilli, ReadOnlySpan<int> gpuFreeMilli)
    {
        var active = ActiveSockets(cpuCapMilli, freeCpuMilli);
        var busy = 0;
        foreach (var free in gpuFreeMilli)
        {
            busy += free < 1000 ? 1 : 0;
        }

        var gpus = Math.Max(Gpus, gpuFreeMilli.Length);
        return BaseWatts + (CpuActiveWatts * active) + (CpuIdleWatts * (Sockets - active)) + (GpuMaxWatts * busy) + (GpuIdleWatts * (gpus - busy));
    }

    /// <summary>The node's draw while on, given its CPU capacity, unallocated CPU and each GPU's free milli.</summary>
    public double Watts(long cpuCapMilli, long freeCpuMilli, ReadOnlySpan<int> gpuFreeMilli)
    {
        var watts = ComponentWatts(cpuCapMilli, freeCpuMilli, gpuFreeMilli);
        if (DeclaredIdleWatts is not { } idle || DeclaredPeakWatts is not { } peak)
        {
            return watts;
        }

        var low = ComponentIdleWatts;
        var span = ComponentMaxWatts - low;
        return span <= 0 ? idle : idle + ((peak - idle) * (watts - low) / span);
    }
}
