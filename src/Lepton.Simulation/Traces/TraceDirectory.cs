namespace Lepton.Simulation.Traces;

/// <summary>Finds the shared trace folder (<c>shared/traces</c> beside the repository) by walking up from a directory.</summary>
/// <remarks>Traces are never copied into the repository; checkouts and worktrees see them as <c>../shared/traces</c>
/// (or further up), so every tool and test looks for a <c>shared/traces</c> folder next to each ancestor in turn.</remarks>
public static class TraceDirectory
{
    /// <summary>The first <c>shared/traces</c> folder next to <paramref name="start"/> or one of its ancestors, or null.</summary>
    public static string? Find(string start)
    {
        for (var dir = new DirectoryInfo(Path.GetFullPath(start)); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "traces");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>The trace folder found from the current directory, then from this assembly's folder.</summary>
    /// <exception cref="DirectoryNotFoundException">Neither search finds one.</exception>
    public static string Locate() =>
        Find(Environment.CurrentDirectory) ?? Find(AppContext.BaseDirectory)
        ?? throw new DirectoryNotFoundException("cannot find the trace folder: no 'shared/traces' next to the current directory or any of its parents");
}
