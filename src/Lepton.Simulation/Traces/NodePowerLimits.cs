namespace Lepton.Simulation.Traces;

/// <summary>Bounds on the power figures a node file may give, so that a typo cannot make a node draw megawatts.</summary>
internal static class NodePowerLimits
{
    /// <summary>Most watts any one figure (per socket, per GPU, base, standby) may be.</summary>
    public const double MaxWatts = 100_000;

    /// <summary>Most CPU sockets a node may declare.</summary>
    public const int MaxSockets = 64;

    /// <summary>Most cores per socket a node may declare.</summary>
    public const int MaxCores = 1024;
}
