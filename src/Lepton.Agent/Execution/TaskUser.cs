using System.Diagnostics;
using System.Globalization;

namespace Lepton.Agent.Execution;

/// <summary>The unprivileged account tasks run as when the agent runs as root (<c>lepton agent --run-as</c>).</summary>
/// <param name="Name">The name as given (a user name or a numeric uid).</param>
/// <param name="Uid">Its user id; never 0.</param>
/// <param name="Gid">Its primary group id.</param>
public sealed record TaskUser(string Name, int Uid, int Gid)
{
    /// <summary>The default account: <c>nobody</c>, which owns nothing on a normal system.</summary>
    public const string DefaultName = "nobody";

    /// <summary>Looks up <paramref name="name"/> (a user name, <c>UID</c> or <c>UID:GID</c>) in the system's user database.</summary>
    /// <exception cref="ArgumentException">Unknown user, or root.</exception>
    public static TaskUser Resolve(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        int uid, gid;
        var parts = name.Split(':');
        if (parts.Length <= 2 && parts.All(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            uid = int.Parse(parts[0], CultureInfo.InvariantCulture);
            gid = parts.Length == 2 ? int.Parse(parts[1], CultureInfo.InvariantCulture) : uid;
        }
        else
        {
            // getent asks NSS, so users from LDAP or systemd-userdb resolve as well as /etc/passwd ones.
            var entry = Getent(name) ?? throw new ArgumentException($"--run-as: no user '{name}' on this machine");
            var fields = entry.Split(':');
            if (fields.Length < 4
                || !int.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out uid)
                || !int.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out gid))
            {
                throw new ArgumentException($"--run-as: cannot read the user database entry of '{name}'");
            }
        }

        if (uid == 0 || gid == 0)
        {
            throw new ArgumentException($"--run-as: '{name}' is root; tasks must run as an unprivileged user");
        }

        return new TaskUser(name, uid, gid);
    }

    private static string? Getent(string name)
    {
        try
        {
            var info = new ProcessStartInfo("getent") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            info.ArgumentList.Add("passwd");
            info.ArgumentList.Add(name);
            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0 ? output.Trim().Split('\n')[0] : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
