namespace Lepton.Core.Placement.Framework;

/// <summary>Which nodes a policy may evaluate once for a whole group (see <see cref="NodeClasses"/>).</summary>
internal enum NodeGrouping
{
    /// <summary>Evaluate every node (the random policy must draw among nodes, not classes).</summary>
    None,

    /// <summary>Group nodes with the same shape and free state.</summary>
    ByState,

    /// <summary>Also require the same GPU-clustering affinity tags.</summary>
    ByStateAndTags,
}
