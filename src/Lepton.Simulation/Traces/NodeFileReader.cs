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

    /// <summary>Reads a cluster given as a node file, Gavel's <c>cluster_specs*.json</c>, or a spec string such as
    /// <c>v100:300,p100:300,k80:300</c> or <c>300:300:300</c> (see <see cref="ClusterSpecReader"/>).</summary>
    /// <exception cref="FileNotFoundException">Neither an existing file nor a spec.</exception>
    /// <exception cref="TraceFormatException">The file is malformed.</exception>
    /// <exception cref="FormatException">The spec is malformed.</exception>
    public static IReadOnlyList<NodeSpec> ReadCluster(string pathOrSpec)
    {
        ArgumentNullException.ThrowIfNull(pathOrSpec);
        if (File.Exists(pathOrSpec))
        {
            return Path.GetExtension(pathOrSpec).Equals(".json", StringComparison.OrdinalIgnoreCase)
                ? ClusterSpecReader.ReadJson(pathOrSpec)
                : Read(pathOrSpec);
        }

        return ClusterSpecReader.LooksLikeSpec(pathOrSpec) ? ClusterSpecReader.Parse(pathOrSpec) : Read(pathOrSpec);
    }
}
