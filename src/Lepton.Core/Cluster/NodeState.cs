namespace Lepton.Core.Cluster;

/// <summary>Whether a node takes new work.</summary>
public enum NodeState
{
    /// <summary>Healthy and accepting new tasks.</summary>
    Ready,

    /// <summary>Running tasks may finish; no new task lands here.</summary>
    Draining,

    /// <summary>Unreachable (missed heartbeats) or removed; holds no tasks.</summary>
    Down,
}
