namespace Lepton.Server.Tests.Power;

/// <summary>A power command for tests: a shell script that appends its arguments, one run per line, to a log file.</summary>
internal sealed class PowerScript : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("lepton-power-").FullName;

    public PowerScript(int exitCode = 0)
    {
        Path = System.IO.Path.Combine(_dir, "power.sh");
        Log = System.IO.Path.Combine(_dir, "power.log");
        // printf '%s|' prints each argv element as it arrived: a node name that a shell would split or expand shows whole.
        File.WriteAllText(Path, $"#!/bin/sh\nprintf '%s|' \"$@\" >> '{Log}'\necho >> '{Log}'\nexit {exitCode}\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    public string Path { get; }

    public string Log { get; }

    public string[] Runs => File.Exists(Log) ? File.ReadAllLines(Log) : [];

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
