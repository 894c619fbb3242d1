using System.Diagnostics;

namespace Lepton.Cli.Tests;

/// <summary>Runs the built <c>lepton</c> command as a child process from the repository root and captures its output.</summary>
/// <remarks>A real process keeps tests independent of each other's console redirection and checks exit codes and
/// stderr exactly as a user sees them.</remarks>
internal static class LeptonProcess
{
    /// <summary>The repository root: the first ancestor of the test assembly's folder that holds <c>Lepton.slnx</c>.</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>Runs <c>lepton</c> with <paramref name="args"/> and waits (at most two minutes) for it to exit.</summary>
    public static Result Run(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = RepositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "lepton.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["NO_COLOR"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("lepton " + string.Join(' ', args) + " did not exit within two minutes");
        }

        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Lepton.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("no Lepton.slnx above " + AppContext.BaseDirectory);
    }

    /// <summary>Exit code and captured output of one run.</summary>
    public sealed record Result(int ExitCode, string Stdout, string Stderr);
}
