using Lepton.Core.Cluster;

namespace Lepton.Simulation.Traces;

/// <summary>Reads a node file in any format Lepton accepts: openb-style CSV or Lepton's YAML, chosen by extension or content.</summary>
public static class NodeFileReader
{
    /// <summary>Reads the nodes in <paramref name="path"/>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="TraceFormatException">The file is malformed; the message names file, line and field.</exception>
    public static IReadOnlyList<NodeSpec> Read(string path) =>
        FileFormat.IsCsv(path, "node") ? OpenbNodeReader.Read(path) : YamlNodeReader.Read(path);
}
