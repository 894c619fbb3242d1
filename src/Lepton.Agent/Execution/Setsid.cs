namespace Lepton.Agent.Execution;

/// <summary>Locates the <c>setsid</c> program (util-linux), used to start each task in a new process group.</summary>
internal static class Setsid
{
    /// <summary>The path of <c>setsid</c>, or null where it is missing (then a task is stopped by walking its process tree).</summary>
    public static string? Path => SystemTool.Find("setsid");
}
