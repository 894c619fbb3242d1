using System.Runtime.InteropServices;

namespace Lepton.Agent.Execution;

/// <summary>File-system chores around task directories: private agent folders, handing a folder to the task's user, removal.</summary>
internal static class TaskDirectory
{
    /// <summary>Creates <paramref name="path"/> readable by the agent's user only.</summary>
    public static void CreatePrivate(string path)
    {
        Directory.CreateDirectory(path);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>Creates <paramref name="path"/> and makes <paramref name="user"/> its owner (when given), so a task running as that user can write there.</summary>
    public static void CreateFor(string path, TaskUser? user)
    {
        Directory.CreateDirectory(path);
        if (user is not null && Lchown(path, (uint)user.Uid, (uint)user.Gid) != 0)
        {
            throw new TaskStartException($"cannot hand '{path}' to user {user.Name}: error {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Deletes <paramref name="path"/> and everything in it, even folders a task made read-only; never follows a link.</summary>
    /// <returns>False when something could not be deleted.</returns>
    public static bool Delete(string path)
    {
        for (var attempt = 0; attempt < 2; attempt++)
        {
            try
            {
                Directory.Delete(path, recursive: true);
                return true;
            }
            catch (DirectoryNotFoundException)
            {
                return true;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                if (attempt == 0 && !OperatingSystem.IsWindows())
                {
                    MakeWritable(path);
                }
            }
        }

        return false;
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void MakeWritable(string path)
    {
        var all = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        try
        {
            File.SetUnixFileMode(path, all);
            var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = true };
            foreach (var directory in Directory.EnumerateDirectories(path, "*", options))
            {
                File.SetUnixFileMode(directory, all);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Whatever is still in the way is reported by the caller's second attempt.
        }
    }

    [DllImport("libc", EntryPoint = "lchown", SetLastError = true)]
    private static extern int Lchown([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint owner, uint group);
}
