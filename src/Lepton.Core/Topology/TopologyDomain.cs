namespace Lepton.Core.Topology;

/// <summary>One domain of a topology level: e.g. rack <c>r12</c> of zone <c>eu-1</c>, with its nodes.</summary>
/// <param name="Level">Level index into <see cref="NetworkTopology.Levels"/>; -1 for the whole cluster.</param>
/// <param name="Name">The domain's path, e.g. <c>region=eu/zone=eu-1/rack=r12</c> (<c>cluster</c> for the whole cluster).</param>
/// <param name="Selector">Labels every node of the domain carries (the path), used as a node selector.</param>
/// <param name="Nodes">Node indices in the domain, ascending.</param>
public sealed record TopologyDomain(int Level, string Name, IReadOnlyDictionary<string, string> Selector, IReadOnlyList<int> Nodes)
{
    /// <summary>The domain's own value at its level, e.g. <c>r12</c>.</summary>
    public string Value => Level < 0 ? Name : Name[(Name.LastIndexOf('=') + 1)..];
}
