using Lepton.Core.Cluster;
using Lepton.Core.Workloads;
using Lepton.Simulation.Traces;

namespace Lepton.Cli.Commands.Place;

/// <summary>Loads node and task files for a command, turning every input problem into a one-line <see cref="CliError"/>.</summary>
internal static class PlacementInput
{
    /// <summary>The nodes in <paramref name="path"/> (CSV or YAML).</summary>
    public static IReadOnlyList<NodeSpec> ReadNodes(string path) => Load(path, "node", NodeFileReader.Read);

    /// <summary>The tasks in <paramref name="path"/> (CSV or YAML), in file order.</summary>
    public static IReadOnlyList<TaskRequest> ReadTasks(string path) => Load(path, "task", TaskFileReader.Read);

    private static IReadOnlyList<T> Load<T>(string path, string kind, Func<string, IReadOnlyList<T>> read)
    {
        try
        {
            var items = read(path);
            return items.Count > 0 ? items : throw new CliError($"{kind} file '{path}' has no {kind}s");
        }
        catch (TraceFormatException e)
        {
            throw new CliError(e.Message);
        }
        catch (FileNotFoundException e)
        {
            throw new CliError(e.Message);
        }
        catch (DirectoryNotFoundException)
        {
            throw new CliError($"{kind} file '{path}' not found");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliError($"cannot read {kind} file '{path}': {e.Message}");
        }
    }
}
