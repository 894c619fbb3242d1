namespace Lepton.Core.Power;

/// <summary>A node's power state as the power-down controller sees it.</summary>
public enum NodePowerState
{
    /// <summary>Powered on and taking work.</summary>
    On,

    /// <summary>Powered off: takes no work, draws its standby watts.</summary>
    Off,

    /// <summary>Woken, not yet ready: takes no work until its wake-up delay has passed.</summary>
    Waking,
}
