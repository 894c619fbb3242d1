using Lepton.Core.Workloads;

namespace Lepton.Simulation.Traces;

/// <summary>Reads a task file in any format Lepton accepts: openb-style pod CSV or Lepton's YAML, chosen by extension or content.</summary>
public static class TaskFileReader
{
    /// <summary>Reads the tasks in <paramref name="path"/>, in file order.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="TraceFormatException">The file is malformed; the message names file, line and field.</exception>
    public static IReadOnlyList<TaskRequest> Read(string path) =>
        FileFormat.IsCsv(path, "task") ? OpenbPodReader.Read(path) : YamlTaskReader.Read(path);
}
