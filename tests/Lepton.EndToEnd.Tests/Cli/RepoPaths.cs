namespace Lepton.EndToEnd.Tests.Cli;

/// <summary>Files of the repository the tests use, found by walking up from the test assembly.</summary>
public static class RepoPaths
{
    /// <summary>The repository root (the folder holding <c>examples/jobs-spec</c>).</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>An example job spec by file name, e.g. <c>hello.yaml</c>.</summary>
    public static string JobExample(string name) => Path.Combine(Root, "examples", "jobs-spec", name);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (Directory.Exists(Path.Combine(dir.FullName, "examples", "jobs-spec")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("no examples/jobs-spec above the test assembly");
    }
}
