using Lepton.Simulation.Traces;

namespace Lepton.Simulation.Tests;

/// <summary>Locates the shared trace folder (and the repository's examples) from the test assembly.</summary>
internal static class SharedTraces
{
    /// <summary>The <c>shared/traces</c> folder above the test assembly.</summary>
    public static string Root => TraceDirectory.Find(AppContext.BaseDirectory)
        ?? throw new InvalidOperationException("these tests read the public traces; " + TraceDirectory.MissingMessage);

    /// <summary>A file in the repository's <c>examples/</c> folder.</summary>
    public static string Example(params string[] parts)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine([dir.FullName, "examples", .. parts]);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"examples/{string.Join('/', parts)} not found above the test assembly");
    }
}
