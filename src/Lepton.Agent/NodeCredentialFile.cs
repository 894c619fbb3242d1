namespace Lepton.Agent;

/// <summary>The node's own credential on disk (<c>WORKDIR/node-token</c>, owner read/write only), so a restarted agent
/// speaks for its node again without the join token.</summary>
/// <remarks>Written to a temporary file, flushed to disk and renamed over the old one, so a crash leaves either the old
/// credential or the new one, never half of one.</remarks>
internal static class NodeCredentialFile
{
    /// <summary>File name inside the agent's work directory.</summary>
    public const string FileName = "node-token";

    /// <summary>The stored credential, or null when there is none (or the file is empty).</summary>
    public static string? Read(string path)
    {
        try
        {
            var text = File.ReadAllText(path).Trim();
            return text.Length == 0 ? null : text;
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Stores <paramref name="credential"/> durably with mode 0600.</summary>
    public static void Write(string path, string credential)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, options))
        {
            stream.Write(System.Text.Encoding.UTF8.GetBytes(credential + "\n"));
            stream.Flush(flushToDisk: true);
        }

        if (!OperatingSystem.IsWindows())
        {
            // UnixCreateMode applies only when the file is created; a leftover temporary file keeps its old mode otherwise.
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Forgets the stored credential (it was revoked, or its node removed).</summary>
    public static void Delete(string path) => File.Delete(path);
}
