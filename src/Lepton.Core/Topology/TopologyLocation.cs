namespace Lepton.Core.Topology;

/// <summary>A place in the topology where data or users sit: the root of one domain.</summary>
/// <param name="Level">Level index of the domain.</param>
/// <param name="Path">The domain's label values from the outermost level down to <paramref name="Level"/> (null where
/// the nodes carry no label of that level).</param>
/// <param name="Name">Display name such as <c>zone=zone-a</c>.</param>
public sealed record TopologyLocation(int Level, IReadOnlyList<string?> Path, string Name);
