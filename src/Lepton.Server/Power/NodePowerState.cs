namespace Lepton.Server.Power;

/// <summary>Whether the power controller has a node switched off.</summary>
internal enum NodePowerState
{
    /// <summary>Powered on (the controller leaves it alone, or has not touched it).</summary>
    On,

    /// <summary>Switched off by the power-off command; no work is placed there.</summary>
    PoweredOff,

    /// <summary>The power-on command ran; waiting for its agent to heartbeat again.</summary>
    Waking,
}
