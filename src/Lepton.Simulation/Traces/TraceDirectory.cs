namespace Lepton.Simulation.Traces;

/// <summary>Finds the folder of public cluster traces (the one holding <c>openb/</c>): <c>--traces DIR</c>, else
/// <c>$LEPTON_TRACES</c>, else a <c>shared/traces</c> folder beside the repository.</summary>
/// <remarks>Traces are never copied into the repository; team checkouts and worktrees see them as <c>../shared/traces</c>
/// (or further up), so without an explicit folder every tool and test looks for a <c>shared/traces</c> folder next to
/// each ancestor in turn. Anyone else downloads them (README, "Traces") and names the folder.</remarks>
public static class TraceDirectory
{
    /// <summary>The environment variable that names the trace folder.</summary>
    public const string EnvironmentVariable = "LEPTON_TRACES";

    /// <summary>What to do when no trace folder is found, for error messages (CLI and tests alike).</summary>
    public const string MissingMessage =
        "cannot find the public traces (the folder holding openb/): pass --traces DIR or set LEPTON_TRACES=DIR; "
        + "without either, Lepton looks for shared/traces next to the current directory and each of its parents. "
        + "README.md, section 'Traces', says where to download them";

    /// <summary><c>$LEPTON_TRACES</c> when set and a folder, else the first <c>shared/traces</c> folder next to
    /// <paramref name="start"/> or one of its ancestors, or null.</summary>
    /// <exception cref="DirectoryNotFoundException"><c>$LEPTON_TRACES</c> is set but names no folder.</exception>
    public static string? Find(string start) => FromEnvironment() ?? Search(start);

    /// <summary>The trace folder: <paramref name="explicitDirectory"/> (<c>--traces</c>) when given, else <see cref="Find"/>
    /// from the current directory, then from this assembly's folder; null when there is none.</summary>
    /// <exception cref="DirectoryNotFoundException">An explicit folder or <c>$LEPTON_TRACES</c> does not exist.</exception>
    public static string? Resolve(string? explicitDirectory)
    {
        if (!string.IsNullOrWhiteSpace(explicitDirectory))
        {
            var full = Path.GetFullPath(explicitDirectory);
            return Directory.Exists(full) ? full : throw new DirectoryNotFoundException($"--traces: no folder '{explicitDirectory}'");
        }

        return FromEnvironment() ?? Search(Environment.CurrentDirectory) ?? Search(AppContext.BaseDirectory);
    }

    /// <summary>The trace folder found as <see cref="Resolve"/> does with no explicit folder.</summary>
    /// <exception cref="DirectoryNotFoundException">There is none; the message says how to provide one.</exception>
    public static string Locate() => Resolve(null) ?? throw new DirectoryNotFoundException(MissingMessage);

    private static string? FromEnvironment()
    {
        var value = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var full = Path.GetFullPath(value);
        return Directory.Exists(full) ? full : throw new DirectoryNotFoundException($"{EnvironmentVariable}: no folder '{value}'");
    }

    private static string? Search(string start)
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
}
