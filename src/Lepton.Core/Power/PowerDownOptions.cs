namespace Lepton.Core.Power;

/// <summary>When idle nodes are powered off and how long a woken node takes to come back.</summary>
public sealed record PowerDownOptions
{
    /// <summary>A node with nothing allocated for this long is powered off.</summary>
    public TimeSpan IdleThreshold { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Time from the wake decision until the node takes work again.</summary>
    public TimeSpan WakeDelay { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>Nodes kept on however idle (spare capacity for arrivals), chosen among the idle ones in node order.</summary>
    public int MinNodesOn { get; init; }
}
