using System.Runtime.InteropServices;

namespace Lepton.Agent.Execution;

/// <summary>Signals a whole POSIX process group, so a task's children and grandchildren die with it.</summary>
internal static partial class ProcessGroup
{
    /// <summary>SIGTERM: ask politely.</summary>
    public const int SigTerm = 15;

    /// <summary>SIGKILL: cannot be caught.</summary>
    public const int SigKill = 9;

    /// <summary>Sends <paramref name="signal"/> to every process in group <paramref name="groupId"/>; false when none is left.</summary>
    public static bool Signal(int groupId, int signal)
    {
        if (groupId <= 1)
        {
            // kill(0 or -1, …) would hit the agent's own group or every process we may signal: never.
            throw new ArgumentOutOfRangeException(nameof(groupId), groupId, "not a task's process group");
        }

        return OperatingSystem.IsWindows() ? false : Kill(-groupId, signal) == 0;
    }

    /// <summary>True while any process of group <paramref name="groupId"/> exists (signal 0 checks without signalling).</summary>
    public static bool Exists(int groupId) => groupId > 1 && !OperatingSystem.IsWindows() && Kill(-groupId, 0) == 0;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
