using System.Collections.Concurrent;

namespace Lepton.Agent.Execution;

/// <summary>Locates the util-linux and base programs the agent starts tasks with, in the system directories only.</summary>
/// <remarks>Never through <c>PATH</c>: the agent may run as root, and a directory on its <c>PATH</c> that someone else can
/// write would let them choose what root runs.</remarks>
internal static class SystemTool
{
    private static readonly string[] Directories = ["/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin"];
    private static readonly ConcurrentDictionary<string, string?> Found = new(StringComparer.Ordinal);

    /// <summary>The full path of <paramref name="name"/>, or null when it is not installed.</summary>
    public static string? Find(string name) => Found.GetOrAdd(name, n =>
    {
        foreach (var directory in Directories)
        {
            var candidate = Path.Combine(directory, n);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    });
}
